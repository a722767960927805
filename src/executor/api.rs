//! The executor's HTTP API. Every error is a JSON `ApiError` with a 4xx/5xx status; nothing a
//! client sends can take the service down.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use tracing::Instrument;

use super::{Executor, Failure};
use crate::models::{ApiError, CodeExecutionRequest, ErrorKind, ExecutionError, ExecutionResult};
use crate::sandbox::Health;
use crate::telemetry;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub struct AppState {
    pub executor: Executor,
    /// Heavy jobs; `None` where this executor does not start them.
    pub jobs: Option<Arc<crate::jobs::JobService>>,
    pub max_body_bytes: usize,
}

/// Only the execution endpoint, for the all-in-one mode's public listener.
pub fn execute_routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/v1/execute_snippet", post(execute_snippet))
        .route("/api/v1/create_heavy_job", post(create_heavy_job))
        .route("/api/v1/jobs/{job_id}", get(get_job))
        .with_state(state)
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/v1/execute_snippet", post(execute_snippet))
        .route("/api/v1/create_heavy_job", post(create_heavy_job))
        .route("/api/v1/jobs/{job_id}", get(get_job))
        .route("/api/v1/health", get(health))
        .fallback(not_found)
        .with_state(state)
}

/// The request id from `X-Request-ID` when it is sane, otherwise a new one.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(&REQUEST_ID)?.to_str().ok()?.trim();
    let sane = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b));
    sane.then(|| value.to_owned())
}

pub(crate) fn with_id(mut response: Response, id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

pub(crate) fn error(status: StatusCode, error: ApiError, id: &str) -> Response {
    with_id(
        (status, Json(error.with_request_id(id))).into_response(),
        id,
    )
}

async fn execute_snippet(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let header_id = request_id(&headers);
    let provisional = header_id.clone().unwrap_or_else(telemetry::new_request_id);
    let span = telemetry::request_span(&provisional);
    async move {
        let started = Instant::now();
        let bytes = match to_bytes(body, state.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(_) => {
                tracing::warn!(limit = state.max_body_bytes, "request body too large");
                return error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ApiError::new(
                        ErrorKind::PayloadTooLarge,
                        format!(
                            "request body is over the limit of {} bytes",
                            state.max_body_bytes
                        ),
                    ),
                    &provisional,
                );
            }
        };
        if let Err(err) = std::str::from_utf8(&bytes) {
            return error(
                StatusCode::BAD_REQUEST,
                ApiError::new(
                    ErrorKind::BadRequest,
                    format!(
                        "request body is not valid UTF-8 (at byte {})",
                        err.valid_up_to()
                    ),
                ),
                &provisional,
            );
        }
        let request: CodeExecutionRequest = match serde_json::from_slice(&bytes) {
            Ok(request) => request,
            Err(err) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    ApiError::new(ErrorKind::BadRequest, format!("invalid request: {err}")),
                    &provisional,
                )
            }
        };
        // The header wins; then the body's id; then the generated one.
        let id = header_id
            .or_else(|| {
                request
                    .request_id
                    .clone()
                    .filter(|i| !i.is_empty() && i.len() <= 128)
            })
            .unwrap_or(provisional);
        let span = telemetry::request_span(&id);
        let response = async {
            tracing::info!(code_bytes = request.code.len(), "execute_snippet");
            match state.executor.execute(request, id.clone()).await {
                Ok(result) => with_id((StatusCode::OK, Json(result)).into_response(), &id),
                Err(Failure::BadRequest(message)) => error(
                    StatusCode::BAD_REQUEST,
                    ApiError::new(ErrorKind::BadRequest, message),
                    &id,
                ),
                Err(Failure::Execution(err)) => execution_error(&state, err, &id),
            }
        }
        .instrument(span)
        .await;
        tracing::info!(
            request_id = %id,
            status = response.status().as_u16(),
            total_ms = started.elapsed().as_secs_f64() * 1000.0,
            "answered"
        );
        response
    }
    .instrument(span)
    .await
}

fn execution_error(state: &AppState, err: ExecutionError, id: &str) -> Response {
    match &err {
        ExecutionError::Busy {
            retry_after_secs, ..
        } => {
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(ErrorKind::Busy, "").with_details(&err),
                id,
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        ExecutionError::LimitTooHigh { .. } => error(
            StatusCode::BAD_REQUEST,
            ApiError::new(ErrorKind::BadRequest, "").with_details(&err),
            id,
        ),
        ExecutionError::RetriesExhausted { errors, .. } => {
            tracing::error!(errors = ?errors, "execution failed after every retry");
            let result = ExecutionResult::internal_error(
                id.to_owned(),
                errors.clone(),
                state.executor.layers().to_vec(),
            );
            with_id(
                (StatusCode::INTERNAL_SERVER_ERROR, Json(result)).into_response(),
                id,
            )
        }
        ExecutionError::SandboxSetup { message } => {
            tracing::error!(%message, "sandbox unavailable");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(ErrorKind::Internal, "").with_details(&err),
                id,
            )
        }
    }
}

/// `POST /api/v1/create_heavy_job`: the same body as `execute_snippet`; starts a heavy job
/// (or returns the one this request id already has) and answers at once.
async fn create_heavy_job(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let header_id = request_id(&headers);
    let provisional = header_id.clone().unwrap_or_else(telemetry::new_request_id);
    let Some(jobs) = state.jobs.clone() else {
        return error(
            StatusCode::NOT_IMPLEMENTED,
            ApiError::new(ErrorKind::Job, "this executor does not run heavy jobs"),
            &provisional,
        );
    };
    let bytes = match to_bytes(body, state.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let message = format!(
                "request body is over the limit of {} bytes",
                state.max_body_bytes
            );
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiError::new(ErrorKind::PayloadTooLarge, message),
                &provisional,
            );
        }
    };
    let request: CodeExecutionRequest = match std::str::from_utf8(&bytes)
        .map_err(|e| {
            format!(
                "request body is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            )
        })
        .and_then(|text| serde_json::from_str(text).map_err(|e| format!("invalid request: {e}")))
    {
        Ok(request) => request,
        Err(message) => {
            return error(
                StatusCode::BAD_REQUEST,
                ApiError::new(ErrorKind::BadRequest, message),
                &provisional,
            )
        }
    };
    let id = header_id
        .or_else(|| request.request_id.clone())
        .unwrap_or(provisional);
    let span = telemetry::request_span(&id);
    let _entered = span.enter();
    match jobs.create(&request, &id) {
        Ok(created) => {
            tracing::info!(job_id = %created.job_id, "heavy job created");
            with_id((StatusCode::ACCEPTED, Json(created)).into_response(), &id)
        }
        Err(crate::jobs::JobsError::BadRequest(message)) => error(
            StatusCode::BAD_REQUEST,
            ApiError::new(ErrorKind::BadRequest, message),
            &id,
        ),
        Err(err) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiError::new(ErrorKind::Job, err.to_string()),
            &id,
        ),
    }
}

#[derive(serde::Deserialize)]
struct JobQuery {
    /// Wait up to this many seconds for the job to finish before answering.
    wait_secs: Option<f64>,
}

/// `GET /api/v1/jobs/{job_id}[?wait_secs=N]`.
async fn get_job(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(job_id): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<JobQuery>,
) -> Response {
    let Some(jobs) = state.jobs.clone() else {
        return (
            StatusCode::NOT_IMPLEMENTED,
            Json(ApiError::new(
                ErrorKind::Job,
                "this executor does not run heavy jobs",
            )),
        )
            .into_response();
    };
    let wait = query
        .wait_secs
        .filter(|w| w.is_finite() && *w > 0.0)
        .map(|w| w.min(300.0));
    let record = match wait {
        Some(secs) => {
            jobs.wait(&job_id, std::time::Duration::from_secs_f64(secs))
                .await
        }
        None => jobs.get(&job_id),
    };
    match record {
        Some(record) => (StatusCode::OK, Json(record)).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(ApiError::new(ErrorKind::Job, format!("no job {job_id}"))),
        )
            .into_response(),
    }
}

#[derive(Serialize)]
struct HealthBody {
    status: &'static str,
    role: &'static str,
    version: &'static str,
    validation: bool,
    pool: Health,
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    let pool = state.executor.pool.health();
    let degraded = !pool.missing_layers.is_empty()
        || !state.executor.validate
        || !pool.layers.iter().any(|l| l == "guards");
    let body = HealthBody {
        status: if degraded { "degraded" } else { "ok" },
        role: "executor",
        version: env!("CARGO_PKG_VERSION"),
        validation: state.executor.validate,
        pool,
    };
    (StatusCode::OK, Json(body)).into_response()
}

pub(crate) async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ApiError::new(ErrorKind::BadRequest, "no such endpoint")),
    )
        .into_response()
}
