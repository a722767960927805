//! The executor's HTTP API. Every error is a JSON `ApiError` with a 4xx/5xx status; nothing a
//! client sends can take the service down.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use tracing::Instrument;

use super::{Executor, Failure};
use crate::http::{error, not_found, read_json, request_id, with_id, BodyLimits};
use crate::models::{ApiError, CodeExecutionRequest, ErrorKind, ExecutionError, ExecutionResult};
use crate::sandbox::Health;
use crate::telemetry;

pub struct AppState {
    pub executor: Executor,
    /// Heavy jobs; `None` where this executor does not start them.
    pub jobs: Option<Arc<crate::jobs::JobService>>,
    pub body: BodyLimits,
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
        .route("/api/v1/health/ready", get(health))
        .route("/api/v1/health/live", get(live))
        .fallback(not_found)
        .with_state(state)
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
        let request = match read_request(&headers, body, state.body, &provisional).await {
            Ok(request) => request,
            Err(response) => return response,
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

/// A `CodeExecutionRequest` body, or the 4xx answer for it (408, 413, 400 for bad JSON,
/// invalid UTF-8 or code no interpreter can take), refused before anything is queued.
async fn read_request(
    headers: &HeaderMap,
    body: Body,
    limits: BodyLimits,
    id: &str,
) -> Result<CodeExecutionRequest, Response> {
    let request: CodeExecutionRequest = read_json(headers, body, limits).await.map_err(|err| {
        tracing::warn!(error = %err, "bad request body");
        error(err.status(), err.to_api_error(), id)
    })?;
    request.check_code().map_err(|message| {
        error(
            StatusCode::BAD_REQUEST,
            ApiError::new(ErrorKind::BadRequest, message),
            id,
        )
    })?;
    Ok(request)
}

fn retry_after(mut response: Response, secs: u64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

/// The HTTP answer for an execution that produced no result. Documented statuses: 503
/// `busy` (queue full, or no slot within `executor.queue_timeout_secs`) with `Retry-After`;
/// 503 `shutdown` (queued, or still running when the shutdown grace period ended); 400 for
/// limits; 500 with an `internal_error` result when every retry failed.
fn execution_error(state: &AppState, err: ExecutionError, id: &str) -> Response {
    match &err {
        ExecutionError::Busy {
            retry_after_secs, ..
        }
        | ExecutionError::QueueTimeout {
            retry_after_secs, ..
        } => retry_after(
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(ErrorKind::Busy, "").with_details(&err),
                id,
            ),
            *retry_after_secs,
        ),
        ExecutionError::ShuttingDown => retry_after(
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(ErrorKind::Shutdown, "").with_details(&err),
                id,
            ),
            1,
        ),
        ExecutionError::LimitTooHigh { .. } | ExecutionError::LimitInvalid { .. } => error(
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
    let request = match read_request(&headers, body, state.body, &provisional).await {
        Ok(request) => request,
        Err(response) => return response,
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
    /// `ok`; `degraded` when a layer is off or missing; `unavailable` when not ready.
    status: &'static str,
    ready: bool,
    role: &'static str,
    version: &'static str,
    validation: bool,
    pool: Health,
}

/// Readiness (`/api/v1/health`, `/api/v1/health/ready`): 200 when the executor can take
/// work, 503 with `pool.reasons` when it cannot (no usable slot, the queue full, shutting
/// down, a required layer missing). Both carry the pool's slot states.
async fn health(State(state): State<Arc<AppState>>) -> Response {
    let pool = state.executor.pool.health();
    let degraded = !pool.missing_layers.is_empty()
        || !state.executor.validate
        || !pool.layers.iter().any(|l| l == "guards");
    let ready = pool.accepting;
    let body = HealthBody {
        status: match (ready, degraded) {
            (false, _) => "unavailable",
            (true, true) => "degraded",
            (true, false) => "ok",
        },
        ready,
        role: "executor",
        version: env!("CARGO_PKG_VERSION"),
        validation: state.executor.validate,
        pool,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Liveness: the process answers.
async fn live() -> Response {
    (StatusCode::OK, Json(serde_json::json!({"status": "alive"}))).into_response()
}
