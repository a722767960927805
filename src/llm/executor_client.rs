//! The LLM role's only way to run code: the executor's REST API, with the request id in
//! `X-Request-ID` and the trace context in `traceparent` (`tracestate`), so one id and one
//! trace follow the query through both services (and into heavy jobs). Each call is a
//! client span of the trace.

use std::time::Duration;

use reqwest::StatusCode;
use tracing::Instrument as _;

use crate::http::auth::{encode_caller, ON_BEHALF_OF};
use crate::http::{ATTEMPTS_HEADER, SOURCE_HEADER};
use crate::models::{ApiError, CodeExecutionRequest, ExecutionResult, JobCreated, JobRecord};

#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("the executor at {url} is unreachable: {message}")]
    Unreachable { url: String, message: String },
    #[error("the executor at {url} did not answer within {secs} s (llm.executor_timeout_secs)")]
    Timeout { url: String, secs: u64 },
    #[error(
        "the executor at {url} sent an answer over {limit} bytes (llm.max_executor_response_bytes)"
    )]
    TooLarge { url: String, limit: usize },
    #[error("the executor at {url} refused the request (HTTP {status}): {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
        /// The executor's `Retry-After`, for a busy answer.
        retry_after: Option<u64>,
    },
}

/// Why an executor client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorClientError {
    #[error("auth.executor_api_key is not a valid header value (visible ASCII only)")]
    Key,
    #[error("cannot build the HTTP client")]
    Http(#[from] reqwest::Error),
}

/// How the LLM role reaches the executor.
#[derive(Debug, Clone)]
pub struct ExecutorClientOptions {
    pub connect_timeout: Duration,
    /// Longest wait for one answer (and, with busy retries, for all of them together).
    pub timeout: Duration,
    pub max_response_bytes: usize,
    /// The LLM role's own credential for the executor (`auth.executor_api_key`).
    pub api_key: Option<crate::config::Secret>,
}

impl ExecutorClientOptions {
    pub fn from_settings(
        llm: &crate::config::LlmSettings,
        api_key: Option<crate::config::Secret>,
    ) -> Self {
        Self {
            api_key,
            connect_timeout: Duration::from_secs(llm.executor_connect_timeout_secs.max(1)),
            timeout: Duration::from_secs(llm.executor_timeout_secs.max(1)),
            max_response_bytes: llm.max_executor_response_bytes,
        }
    }
}

#[derive(Clone)]
pub struct ExecutorClient {
    http: reqwest::Client,
    base: String,
    options: ExecutorClientOptions,
}

/// Busy answers (503) are retried this many times, waiting what `Retry-After` says (capped).
const BUSY_RETRIES: u32 = 5;

impl ExecutorClient {
    /// Fails when the HTTP client cannot be built (no TLS backend, say) or the configured
    /// key cannot be sent in a header.
    pub fn new(
        base_url: &str,
        options: ExecutorClientOptions,
    ) -> Result<Self, ExecutorClientError> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(key) = &options.api_key {
            let mut value =
                reqwest::header::HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                    .map_err(|_| ExecutorClientError::Key)?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        Ok(Self {
            http: reqwest::Client::builder()
                .connect_timeout(options.connect_timeout)
                .timeout(options.timeout)
                .default_headers(headers)
                .build()?,
            base: base_url.trim_end_matches('/').to_owned(),
            options,
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// Runs `request` for `caller` (the LLM role's own caller, whom the executor admits and
    /// who owns the result: see [`crate::http::auth::ON_BEHALF_OF`]).
    pub async fn execute(
        &self,
        request: &CodeExecutionRequest,
        request_id: &str,
        caller: &str,
        attempts: usize,
    ) -> Result<ExecutionResult, ExecutorError> {
        let url = format!("{}/api/v1/execute_snippet", self.base);
        let deadline = tokio::time::Instant::now() + self.options.timeout;
        let mut busy = 0;
        loop {
            let response = self
                .post(
                    &url,
                    "POST /api/v1/execute_snippet",
                    request,
                    request_id,
                    caller,
                    attempts,
                )
                .await?;
            let status = response.status();
            let retry_after = retry_after(&response);
            if status == StatusCode::SERVICE_UNAVAILABLE && busy < BUSY_RETRIES {
                let wait = Duration::from_secs(retry_after.unwrap_or(1).min(5));
                if tokio::time::Instant::now() + wait < deadline {
                    busy += 1;
                    tracing::warn!(wait_secs = wait.as_secs(), "executor busy; waiting");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            let bytes = self.body(response).await?;
            // 200 is a result; so is 500 with an `internal_error` result (retries exhausted).
            if let Ok(result) = serde_json::from_slice::<ExecutionResult>(&bytes) {
                return Ok(result);
            }
            return Err(self.refused(status, &bytes, retry_after));
        }
    }

    /// Starts a heavy job (`POST /api/v1/create_heavy_job`).
    pub async fn create_job(
        &self,
        request: &CodeExecutionRequest,
        request_id: &str,
        caller: &str,
        attempts: usize,
    ) -> Result<JobCreated, ExecutorError> {
        let url = format!("{}/api/v1/create_heavy_job", self.base);
        let response = self
            .post(
                &url,
                "POST /api/v1/create_heavy_job",
                request,
                request_id,
                caller,
                attempts,
            )
            .await?;
        self.decode(response).await
    }

    /// Sends `request` for `caller` (a query's program after `attempts` generation rounds)
    /// under `request_id`, in a client span named `operation` that carries the trace on.
    async fn post(
        &self,
        url: &str,
        operation: &'static str,
        request: &CodeExecutionRequest,
        request_id: &str,
        caller: &str,
        attempts: usize,
    ) -> Result<reqwest::Response, ExecutorError> {
        let span = client_span(operation);
        traced(
            self.http
                .post(url)
                .header("x-request-id", request_id)
                .header(ON_BEHALF_OF, encode_caller(caller))
                .header(SOURCE_HEADER, "llm")
                .header(ATTEMPTS_HEADER, attempts)
                .json(request),
            &span,
        )
        .send()
        .instrument(span)
        .await
        .map_err(|e| self.transport(e))
    }

    /// The job's record, waiting up to `wait_secs` for it to finish.
    pub async fn job(
        &self,
        job_id: &str,
        wait_secs: f64,
        caller: &str,
    ) -> Result<JobRecord, ExecutorError> {
        let url = format!("{}/api/v1/jobs/{job_id}?wait_secs={wait_secs}", self.base);
        let span = client_span("GET /api/v1/jobs/{job_id}");
        let response = traced(
            self.http
                .get(&url)
                .header(ON_BEHALF_OF, encode_caller(caller)),
            &span,
        )
        .send()
        .instrument(span)
        .await
        .map_err(|e| self.transport(e))?;
        self.decode(response).await
    }

    fn transport(&self, e: reqwest::Error) -> ExecutorError {
        if e.is_timeout() {
            ExecutorError::Timeout {
                url: self.base.clone(),
                secs: self.options.timeout.as_secs(),
            }
        } else {
            ExecutorError::Unreachable {
                url: self.base.clone(),
                message: e.to_string(),
            }
        }
    }

    /// Reads an answer's body, refusing it past `max_response_bytes`.
    async fn body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, ExecutorError> {
        let limit = self.options.max_response_bytes;
        let too_large = || ExecutorError::TooLarge {
            url: self.base.clone(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn refused(&self, status: StatusCode, bytes: &[u8], retry_after: Option<u64>) -> ExecutorError {
        let message = serde_json::from_slice::<ApiError>(bytes)
            .map(|e| e.error.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(bytes).chars().take(300).collect());
        ExecutorError::Refused {
            url: self.base.clone(),
            status: status.as_u16(),
            message,
            retry_after,
        }
    }

    async fn decode<T: serde::de::DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, ExecutorError> {
        let status = response.status();
        let retry_after = retry_after(&response);
        let bytes = self.body(response).await?;
        if status.is_success() {
            if let Ok(value) = serde_json::from_slice(&bytes) {
                return Ok(value);
            }
        }
        Err(self.refused(status, &bytes, retry_after))
    }

    /// Whether the executor's health endpoint answers 200 within two seconds.
    pub async fn reachable(&self) -> bool {
        let url = format!("{}/api/v1/health", self.base);
        matches!(
            self.http.get(url).timeout(Duration::from_secs(2)).send().await,
            Ok(r) if r.status().is_success()
        )
    }
}

/// The client span of one call to the executor (exported only; free when export is off).
fn client_span(operation: &'static str) -> tracing::Span {
    tracing::info_span!(
        target: crate::telemetry::SPANS,
        "executor call",
        otel.name = operation,
        otel.kind = "client",
    )
}

/// `request` with the trace context of `span` (the call's span, or the request's when
/// export is off): the executor continues this trace.
fn traced(request: reqwest::RequestBuilder, span: &tracing::Span) -> reqwest::RequestBuilder {
    let (traceparent, tracestate) = span.in_scope(|| {
        (
            crate::telemetry::current_traceparent(),
            crate::telemetry::current_tracestate(),
        )
    });
    let request = match traceparent {
        Some(value) => request.header(crate::telemetry::TRACEPARENT, value),
        None => request,
    };
    match tracestate {
        Some(value) => request.header(crate::telemetry::TRACESTATE, value),
        None => request,
    }
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}
