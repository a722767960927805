//! Request ids and JSON error answers.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::models::{ApiError, ErrorKind};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id from `X-Request-ID` when it is sane, otherwise `None`.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(&REQUEST_ID)?.to_str().ok()?.trim();
    let sane = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b));
    sane.then(|| value.to_owned())
}

pub fn with_id(mut response: Response, id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

pub fn error(status: StatusCode, error: ApiError, id: &str) -> Response {
    with_id(
        (status, Json(error.with_request_id(id))).into_response(),
        id,
    )
}

pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ApiError::new(ErrorKind::BadRequest, "no such endpoint")),
    )
        .into_response()
}
