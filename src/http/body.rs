//! Request bodies: refused at once when their declared length is over the limit, read under a
//! size cap and a deadline, checked as UTF-8 and parsed as JSON, each failure a clear answer.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::models::{ApiError, ErrorKind};

#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    /// The whole body must arrive within this.
    pub read_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("request body is over the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the request body did not arrive within {0:?}")]
    Timeout(Duration),
    #[error("the request body could not be read: {0}")]
    Read(String),
    #[error("request body is not valid UTF-8 (at byte {0})")]
    Utf8(usize),
    #[error("invalid request: {0}")]
    Json(String),
    #[error("the body must be JSON (Content-Type: application/json), not {0:?}")]
    MediaType(String),
}

impl BodyError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::MediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Read(_) | Self::Utf8(_) | Self::Json(_) => StatusCode::BAD_REQUEST,
        }
    }

    pub fn to_api_error(&self) -> ApiError {
        let kind = match self {
            Self::TooLarge { .. } => ErrorKind::PayloadTooLarge,
            Self::Timeout(_) => ErrorKind::Timeout,
            Self::MediaType(_) => ErrorKind::UnsupportedMediaType,
            _ => ErrorKind::BadRequest,
        };
        ApiError::new(kind, self.to_string())
    }
}

/// Whether the declared `Content-Length` is over `max_bytes` (refused before any byte of the
/// body is read).
pub fn declared_too_large(headers: &HeaderMap, max_bytes: u64) -> bool {
    declared_length(headers).is_some_and(|len| len > max_bytes)
}

/// The body's declared `Content-Length`, when it has a readable one.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// Reads and parses a JSON body.
pub async fn read_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    limits: BodyLimits,
) -> Result<T, BodyError> {
    // A body without a Content-Type is read as JSON (curl -d sends a form type, so that one
    // is refused with the reason rather than guessed at).
    if let Some(value) = headers.get(header::CONTENT_TYPE) {
        let text = value.to_str().unwrap_or_default();
        let essence = text
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(BodyError::MediaType(text.chars().take(100).collect()));
        }
    }
    if declared_too_large(headers, limits.max_bytes as u64) {
        return Err(BodyError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let bytes =
        match tokio::time::timeout(limits.read_timeout, to_bytes(body, limits.max_bytes)).await {
            Err(_) => return Err(BodyError::Timeout(limits.read_timeout)),
            Ok(Err(err)) => {
                // `to_bytes` reports both a body over the cap and a broken connection.
                let text = err.to_string();
                return Err(if text.contains("length limit") {
                    BodyError::TooLarge {
                        limit: limits.max_bytes,
                    }
                } else {
                    BodyError::Read(text)
                });
            }
            Ok(Ok(bytes)) => bytes,
        };
    let text = std::str::from_utf8(&bytes).map_err(|e| BodyError::Utf8(e.valid_up_to()))?;
    serde_json::from_str(text).map_err(|e| BodyError::Json(e.to_string()))
}
