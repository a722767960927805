//! HTTP pieces every role shares: the hardened server loop (timeouts on every edge, a bound
//! on connections, graceful shutdown within a deadline), request ids, request bodies read
//! under a size and time limit, authentication (API keys, OIDC tokens, scopes, per-caller
//! rate limits), the error contract every answer follows, `GET /metrics` with the layer
//! that counts every request (`observe`), and each request's span, continuing the caller's
//! W3C trace context, with panicking handlers answered 500 (`trace`).

pub mod auth;
mod body;
mod observe;
pub mod oidc;
mod rate;
mod response;
mod routes;
mod server;
mod trace;

pub use auth::{guard, hash_key, AuthError, Authenticator, Guard};
pub use body::{read_json, BodyError, BodyLimits};
pub use response::{
    assign_request_id, error, method_not_allowed, not_found, request_id, sane_request_id, with_id,
    RequestId, REQUEST_ID,
};
pub use routes::{finish, protect, Access, SecurityAddon};
pub use server::{serve, ServerLimits, UPLOAD_PATH};
pub use trace::{catch_panic, trace_request};

/// Header the LLM role sends with the programs of its queries (`llm`): the run history
/// records where a request came from.
pub const SOURCE_HEADER: &str = "x-pyexec-source";
/// Header the LLM role sends with the generation rounds the program took.
pub const ATTEMPTS_HEADER: &str = "x-pyexec-attempts";
