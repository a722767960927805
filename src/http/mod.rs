//! HTTP pieces every role shares: the hardened server loop (timeouts on every edge, a bound
//! on connections, graceful shutdown within a deadline), request bodies read under a size
//! and time limit, and the JSON error answers.

mod body;
mod response;
mod server;

pub use body::{read_json, BodyError, BodyLimits};
pub use response::{error, not_found, request_id, with_id, REQUEST_ID};
pub use server::{serve, ServerLimits};
