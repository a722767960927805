//! The request span of every role's requests, and what keeps a panicking handler from
//! dropping its connection.
//!
//! [`trace_request`] opens the request's span (`telemetry::server_span`): it continues the
//! caller's trace when `traceparent` (and `tracestate`) is well formed, starts a new one
//! otherwise (a malformed header is never an error), and names the role and the operation
//! (method and route template) so that every line logged while the request is handled
//! carries `request_id`, `trace_id`, `role` and `operation`.
//!
//! [`catch_panic`] answers a handler that panicked with 500 in the error contract; the
//! panic itself is logged, with its backtrace, by the panic hook services install
//! (`telemetry::install_panic_hook`), inside the request's span.

use std::panic::AssertUnwindSafe;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt as _;
use tracing::Instrument as _;

use super::response::{error, RequestId};
use crate::models::{ApiError, ErrorKind};
use crate::telemetry;

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn request_id_of(request: &Request) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map_or_else(telemetry::new_request_id, |r| r.0.clone())
}

/// Middleware on every router (inside `assign_request_id`): the request's span.
pub async fn trace_request(request: Request, next: Next) -> Response {
    let id = request_id_of(&request);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let operation = format!("{} {route}", request.method());
    let headers = request.headers();
    let probe = route.starts_with("/api/v1/health") || route == "/metrics";
    let span = if probe {
        telemetry::probe_span
    } else {
        telemetry::server_span
    }(
        &id,
        &operation,
        header(headers, telemetry::TRACEPARENT),
        header(headers, telemetry::TRACESTATE),
    );
    let response = next.run(request).instrument(span.clone()).await;
    if response.status().is_server_error() {
        telemetry::mark_failed(&span);
    }
    response
}

/// Middleware on every router, closest to the handlers: a handler that panics is answered
/// 500 `internal` with the request id, and the service goes on serving.
pub async fn catch_panic(request: Request, next: Next) -> Response {
    let id = request_id_of(&request);
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            // The panic hook has logged the panic, its backtrace and this request's fields.
            tracing::error!(request_id = %id, "the handler panicked; answered 500");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiError::new(
                    ErrorKind::Internal,
                    format!("the server failed while handling this request (a bug, logged with request id {id}); other requests are not affected"),
                ),
                &id,
            )
        }
    }
}
