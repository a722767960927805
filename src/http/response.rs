//! Request ids and the error contract: every non-2xx answer of every role is
//! `{"error": {"kind", "message", "request_id", "details"?}}` with the request id also in
//! `X-Request-ID` (documented in docs/api.md).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::models::{ApiError, ErrorKind};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of a request, set by [`assign_request_id`] for every request a router
/// sees: the sane `X-Request-ID` the client sent, or a new one.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub use crate::models::sane_request_id;

/// The request id from `X-Request-ID` when it is sane, otherwise `None`.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(&REQUEST_ID)?.to_str().ok()?.trim();
    sane_request_id(value).then(|| value.to_owned())
}

/// Middleware on every router: gives each request its [`RequestId`] and makes sure the
/// answer carries it in `X-Request-ID`.
pub async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let id = request_id(request.headers()).unwrap_or_else(crate::telemetry::new_request_id);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if !response.headers().contains_key(&REQUEST_ID) {
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
    }
    response
}

pub fn with_id(mut response: Response, id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// An error answer: `status`, the body with the request id, and `X-Request-ID`.
pub fn error(status: StatusCode, error: ApiError, id: &str) -> Response {
    with_id(
        (status, Json(error.with_request_id(id))).into_response(),
        id,
    )
}

fn id_of(request: &Request) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map_or_else(crate::telemetry::new_request_id, |r| r.0.clone())
}

/// Fallback of every router: 404 `not_found`.
pub async fn not_found(request: Request) -> Response {
    let message = format!("no endpoint {}", request.uri().path());
    error(
        StatusCode::NOT_FOUND,
        ApiError::new(ErrorKind::NotFound, message),
        &id_of(&request),
    )
}

/// A known path with a method it does not take: 405 `method_not_allowed` (axum adds the
/// `Allow` header).
pub async fn method_not_allowed(request: Request) -> Response {
    let message = format!(
        "{} does not take {}",
        request.uri().path(),
        request.method()
    );
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiError::new(ErrorKind::MethodNotAllowed, message),
        &id_of(&request),
    )
}
