//! Error types that cross role boundaries, and the JSON error body every API returns.

use serde::{Deserialize, Serialize};

use super::Finding;

/// Why code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValidationError {
    #[error("code rejected: {}", summary(findings))]
    Rejected { findings: Vec<Finding> },
    #[error("code is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("code is not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { offset: usize },
}

fn summary(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{} at {}:{}", f.code, f.line, f.column))
        .collect::<Vec<_>>()
        .join(", ")
}

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

/// Why a heavy job could not be created, found or finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobError {
    #[error("job {job_id} not found")]
    NotFound { job_id: String },
    #[error("job backend {backend} failed: {message}")]
    Backend { backend: String, message: String },
    #[error("storage {backend} failed: {message}")]
    Storage { backend: String, message: String },
    #[error("heavy execution is not available: {message}")]
    Unavailable { message: String },
}

/// Coarse error class of an API error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    BadRequest,
    PayloadTooLarge,
    Validation,
    Execution,
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
    /// The same request id already names something else (HTTP 409).
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
    /// The typed error, when there is one (`ValidationError`, `ExecutionError`, `JobError`).
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
