//! The LLM role's only way to run code: the executor's REST API, with the request id in
//! `X-Request-ID` so one id follows the query through both services' logs.

use std::time::Duration;

use reqwest::StatusCode;

use crate::models::{ApiError, CodeExecutionRequest, ExecutionResult, JobCreated, JobRecord};

#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("the executor at {url} is unreachable: {message}")]
    Unreachable { url: String, message: String },
    #[error("the executor at {url} refused the request (HTTP {status}): {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
}

#[derive(Clone)]
pub struct ExecutorClient {
    http: reqwest::Client,
    base: String,
}

/// Busy answers (503) are retried this many times, waiting what `Retry-After` says (capped).
const BUSY_RETRIES: u32 = 5;

impl ExecutorClient {
    pub fn new(base_url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .build()?,
            base: base_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    pub async fn execute(
        &self,
        request: &CodeExecutionRequest,
        request_id: &str,
    ) -> Result<ExecutionResult, ExecutorError> {
        let url = format!("{}/api/v1/execute_snippet", self.base);
        let unreachable = |e: reqwest::Error| ExecutorError::Unreachable {
            url: self.base.clone(),
            message: e.to_string(),
        };
        let mut busy = 0;
        loop {
            let response = self
                .http
                .post(&url)
                .header("x-request-id", request_id)
                .json(request)
                .send()
                .await
                .map_err(unreachable)?;
            let status = response.status();
            if status == StatusCode::SERVICE_UNAVAILABLE && busy < BUSY_RETRIES {
                busy += 1;
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(5);
                tracing::warn!(wait_secs = wait, "executor busy; waiting");
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            let bytes = response.bytes().await.map_err(unreachable)?;
            // 200 is a result; so is 500 with an `internal_error` result (retries exhausted).
            if let Ok(result) = serde_json::from_slice::<ExecutionResult>(&bytes) {
                return Ok(result);
            }
            let message = serde_json::from_slice::<ApiError>(&bytes)
                .map(|e| e.error.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(300).collect());
            return Err(ExecutorError::Refused {
                url: self.base.clone(),
                status: status.as_u16(),
                message,
            });
        }
    }

    /// Starts a heavy job (`POST /api/v1/create_heavy_job`).
    pub async fn create_job(
        &self,
        request: &CodeExecutionRequest,
        request_id: &str,
    ) -> Result<JobCreated, ExecutorError> {
        let url = format!("{}/api/v1/create_heavy_job", self.base);
        let response = self
            .http
            .post(&url)
            .header("x-request-id", request_id)
            .json(request)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.decode(response).await
    }

    /// The job's record, waiting up to `wait_secs` for it to finish.
    pub async fn job(&self, job_id: &str, wait_secs: f64) -> Result<JobRecord, ExecutorError> {
        let url = format!("{}/api/v1/jobs/{job_id}?wait_secs={wait_secs}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.decode(response).await
    }

    fn unreachable(&self, e: reqwest::Error) -> ExecutorError {
        ExecutorError::Unreachable {
            url: self.base.clone(),
            message: e.to_string(),
        }
    }

    async fn decode<T: serde::de::DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, ExecutorError> {
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        if status.is_success() {
            if let Ok(value) = serde_json::from_slice(&bytes) {
                return Ok(value);
            }
        }
        let message = serde_json::from_slice::<ApiError>(&bytes)
            .map(|e| e.error.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(300).collect());
        Err(ExecutorError::Refused {
            url: self.base.clone(),
            status: status.as_u16(),
            message,
        })
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
