//! Error types that cross role boundaries, and the JSON error body every API returns.

use serde::{Deserialize, Serialize};

/// Why an execution did not produce a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExecutionError {
    #[error(
        "all {slots} sandbox slots are busy and the queue is full; retry in {retry_after_secs}s"
    )]
    Busy { slots: usize, retry_after_secs: u64 },
    #[error("waited {waited_secs}s in the queue without a free sandbox slot; retry in {retry_after_secs}s")]
    QueueTimeout {
        waited_secs: f64,
        retry_after_secs: u64,
    },
    /// The caller's own limit (its queue of waiting requests): other callers are not
    /// affected. HTTP 429 with `Retry-After`.
    #[error("{message}; retry in {retry_after_secs}s")]
    CallerLimit {
        message: String,
        retry_after_secs: u64,
    },
    #[error("the executor is shutting down; send the request to another instance")]
    ShuttingDown,
    #[error("sandbox set-up failed: {message}")]
    SandboxSetup { message: String },
    #[error("limit {name} = {requested} is not valid: it must be a positive number")]
    LimitInvalid { name: String, requested: f64 },
    #[error("limit {name} = {requested} is above the configured maximum {maximum}")]
    LimitTooHigh {
        name: String,
        requested: f64,
        maximum: f64,
    },
    #[error("execution failed after {attempts} attempts: {}", errors.join("; "))]
    RetriesExhausted { attempts: u32, errors: Vec<String> },
}

/// Coarse error class of an API error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Malformed JSON, a wrong field, limits above the maximums (HTTP 400).
    BadRequest,
    /// The body is over `server.max_body_bytes` (HTTP 413).
    PayloadTooLarge,
    /// The job backend cannot take or does not run heavy jobs (HTTP 501/503).
    Job,
    Busy,
    /// The caller's own rate or concurrency limit: retry after `Retry-After` (HTTP 429).
    RateLimited,
    /// No credential, or one that is not valid (HTTP 401).
    Unauthorized,
    /// A valid credential without the scope this endpoint needs (HTTP 403).
    Forbidden,
    /// No such endpoint or resource (HTTP 404).
    NotFound,
    /// The endpoint exists but not with this method (HTTP 405).
    MethodNotAllowed,
    /// The body is not `application/json` (HTTP 415).
    UnsupportedMediaType,
    /// The request id already names another caller's job (HTTP 409).
    Conflict,
    /// The service is shutting down; retry on another instance.
    Shutdown,
    /// The client did not send its request (headers or body) in time, or the request took
    /// longer than the server allows.
    Timeout,
    Upstream,
    Internal,
}

/// The body of every non-2xx API answer: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiErrorBody {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The typed error, when there is one (`ExecutionError`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            error: ApiErrorBody {
                kind,
                message: message.into(),
                request_id: None,
                details: None,
            },
        }
    }

    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.error.request_id = Some(request_id.into());
        self
    }

    /// Attaches a typed error as `details`; its message becomes the body's message.
    pub fn with_details<E: Serialize + std::fmt::Display>(mut self, details: &E) -> Self {
        self.error.message = details.to_string();
        self.error.details = serde_json::to_value(details).ok();
        self
    }
}
