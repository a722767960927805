//! The executor's HTTP API. Every error follows the error contract (`docs/api.md`): a JSON
//! `ApiError` with the request id; nothing a client sends can take the service down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::{Executor, Failure, Route, Submitted};
use crate::http::{
    error, finish, protect, read_json, with_id, Access, Authenticator, BodyLimits, RequestId,
    SecurityAddon,
};
use crate::metrics::Metrics;
use crate::models::{
    sane_request_id, ApiError, Caller, CodeExecutionRequest, ErrorKind, ExecutionError,
    ExecutionResult, JobCreated, JobRecord, Scope,
};
use crate::sandbox::Health;
use crate::telemetry;

pub struct AppState {
    pub executor: Executor,
    pub body: BodyLimits,
    pub auth: Arc<Authenticator>,
    /// The process's metrics: `GET /metrics` is served and requests counted when set.
    pub metrics: Option<Arc<Metrics>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pyexec executor API",
        description = "Validated Python run in a warm OS-level sandbox; heavy jobs. Every non-2xx answer is an ApiError with the request id."
    ),
    paths(execute_snippet, create_heavy_job, get_job, health, ready, live),
    components(schemas(CodeExecutionRequest, ExecutionResult, JobCreated, JobRecord, ApiError, HealthBody)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

/// The endpoints that run code and read jobs, each behind its scope, without the shared
/// layers (the all-in-one mode serves them on its public address too).
pub fn work_routes(state: Arc<AppState>) -> Router {
    let auth = Arc::clone(&state.auth);
    let group = |router: Router<Arc<AppState>>, access| {
        protect(router.with_state(Arc::clone(&state)), &auth, access)
    };
    Router::new()
        .merge(group(
            Router::new().route("/api/v1/execute_snippet", post(execute_snippet)),
            Access::Scope(Scope::Execute),
        ))
        .merge(group(
            Router::new().route("/api/v1/create_heavy_job", post(create_heavy_job)),
            Access::Scope(Scope::JobsWrite),
        ))
        .merge(group(
            Router::new().route("/api/v1/jobs/{job_id}", get(get_job)),
            Access::Scope(Scope::JobsRead),
        ))
}

/// The executor role's router: [`work_routes`], health, probes and the OpenAPI document,
/// with the shared layers of [`crate::http::finish`].
pub fn router(state: Arc<AppState>) -> Router {
    let auth = Arc::clone(&state.auth);
    let group = |router: Router<Arc<AppState>>, access| {
        protect(router.with_state(Arc::clone(&state)), &auth, access)
    };
    let app = work_routes(Arc::clone(&state))
        .merge(group(
            Router::new().route("/api/v1/health", get(health)),
            Access::Authenticated,
        ))
        // Probes carry no credential: liveness and readiness are open (readiness shows its
        // details only to an authenticated caller).
        .merge(group(
            Router::new()
                .route("/api/v1/health/ready", get(ready))
                .route("/api/v1/health/live", get(live))
                .route("/api/v1/openapi.json", get(openapi)),
            Access::Open,
        ));
    finish(app, state.metrics.as_ref(), "executor")
}

/// The id of a request: `X-Request-ID` when sent, else the body's `request_id`, else a new
/// one. A body id that could not name a job is refused rather than replaced.
fn choose_id(
    headers: &HeaderMap,
    assigned: &RequestId,
    body_id: Option<&str>,
) -> Result<String, String> {
    if crate::http::request_id(headers).is_some() {
        return Ok(assigned.0.clone());
    }
    match body_id {
        None => Ok(assigned.0.clone()),
        Some(id) if sane_request_id(id) => Ok(id.to_owned()),
        Some(id) => Err(format!(
            "request_id {:?} is not valid: 1 to 128 of letters, digits and - _ . :",
            id.chars().take(140).collect::<String>()
        )),
    }
}

/// Run a lightweight program. A program the validator refuses is answered 200 with status
/// `rejected` and the findings (the request itself was fine).
#[utoipa::path(
    post,
    path = "/api/v1/execute_snippet",
    request_body = CodeExecutionRequest,
    params(("x-request-id" = Option<String>, Header, description = "Request id; generated when absent")),
    security(("bearer" = ["execute"]), ("api_key" = ["execute"])),
    responses(
        (status = 200, description = "The program ran (or was refused: status `rejected`)", body = ExecutionResult),
        (status = 400, description = "Malformed request, limits above the maximums, heavy tier", body = ApiError),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `execute` scope", body = ApiError),
        (status = 408, description = "The body did not arrive in time", body = ApiError),
        (status = 413, description = "Body over the size limit", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 429, description = "The caller's own rate or queue limit (Retry-After)", body = ApiError),
        (status = 500, description = "Every retry of an infrastructure failure failed", body = ExecutionResult),
        (status = 503, description = "Busy (Retry-After), shutting down, or the sandbox unavailable", body = ApiError),
    )
)]
async fn execute_snippet(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let request: CodeExecutionRequest = match read_json(&headers, body, state.body).await {
        Ok(request) => request,
        Err(err) => {
            tracing::warn!(error = %crate::telemetry::error_chain(&err), "bad request body");
            return error(err.status(), err.to_api_error(), &assigned.0);
        }
    };
    let id = match choose_id(&headers, &assigned, request.request_id.as_deref()) {
        Ok(id) => id,
        Err(message) => return bad_request(message, &assigned.0),
    };
    telemetry::record_request_id(&id);
    tracing::info!(caller = %caller.id, code_bytes = request.code.len(), "execute_snippet");
    let response = match state
        .executor
        .submit(&caller, request, id.clone(), Route::Run)
        .await
    {
        Ok(Submitted::Ran(result)) => {
            log_user_failure(&result);
            with_id((StatusCode::OK, Json(result)).into_response(), &id)
        }
        Ok(Submitted::Job(created)) => {
            with_id((StatusCode::ACCEPTED, Json(created)).into_response(), &id)
        }
        Err(failure) => failure_response(&state, failure, &id),
    };
    tracing::info!(
        status = response.status().as_u16(),
        total_ms = started.elapsed().as_secs_f64() * 1000.0,
        "answered"
    );
    response
}

/// A program that failed is the user's failure, not the service's: logged at info, with
/// the end of its traceback (which starts at the user's code; the result has all of it).
fn log_user_failure(result: &ExecutionResult) {
    if result.status == crate::models::ExecutionStatus::Error {
        tracing::info!(
            exit_code = result.exit_code,
            traceback = %telemetry::traceback_tail(&result.stderr),
            "the program failed"
        );
    }
}

fn bad_request(message: String, id: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        ApiError::new(ErrorKind::BadRequest, message),
        id,
    )
}

fn retry_after(mut response: Response, secs: u64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

fn failure_response(state: &AppState, failure: Failure, id: &str) -> Response {
    match failure {
        Failure::BadRequest(message) => bad_request(message, id),
        Failure::Execution(err) => execution_error(state, err, id),
        Failure::NoJobs => error(
            StatusCode::NOT_IMPLEMENTED,
            ApiError::new(ErrorKind::Job, "this executor does not run heavy jobs"),
            id,
        ),
        Failure::Conflict(message) => error(
            StatusCode::CONFLICT,
            ApiError::new(ErrorKind::Conflict, message),
            id,
        ),
        Failure::Jobs(message) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiError::new(ErrorKind::Job, message),
            id,
        ),
    }
}

/// The HTTP answer for an execution that produced no result. Documented statuses: 503
/// `busy` (queue full, or no slot within `executor.queue_timeout_secs`) with `Retry-After`;
/// 429 `rate_limited` (the caller's own queue is full) with `Retry-After`; 503 `shutdown`
/// (queued, or still running when the shutdown grace period ended); 400 for limits; 500
/// with an `internal_error` result when every retry failed.
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
        ExecutionError::CallerLimit {
            retry_after_secs, ..
        } => retry_after(
            error(
                StatusCode::TOO_MANY_REQUESTS,
                ApiError::new(ErrorKind::RateLimited, "").with_details(&err),
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

/// Start a heavy job (the same body as `execute_snippet`), or get back the one this
/// caller's request id already has; answers at once.
#[utoipa::path(
    post,
    path = "/api/v1/create_heavy_job",
    request_body = CodeExecutionRequest,
    params(("x-request-id" = Option<String>, Header, description = "Request id; names the job")),
    security(("bearer" = ["jobs:write"]), ("api_key" = ["jobs:write"])),
    responses(
        (status = 202, description = "The job exists", body = JobCreated),
        (status = 400, description = "Malformed request, bad request id or limits", body = ApiError),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `jobs:write` scope", body = ApiError),
        (status = 409, description = "The request id names another caller's job", body = ApiError),
        (status = 413, description = "Body over the size limit", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 429, description = "The caller's rate limit (Retry-After)", body = ApiError),
        (status = 501, description = "This executor does not run heavy jobs", body = ApiError),
        (status = 503, description = "The job backend could not take the job", body = ApiError),
    )
)]
async fn create_heavy_job(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request: CodeExecutionRequest = match read_json(&headers, body, state.body).await {
        Ok(request) => request,
        Err(err) => return error(err.status(), err.to_api_error(), &assigned.0),
    };
    let id = match choose_id(&headers, &assigned, request.request_id.as_deref()) {
        Ok(id) => id,
        Err(message) => return bad_request(message, &assigned.0),
    };
    telemetry::record_request_id(&id);
    let submitted = state
        .executor
        .submit(&caller, request, id.clone(), Route::Job)
        .await;
    match submitted {
        Ok(Submitted::Job(created)) => {
            with_id((StatusCode::ACCEPTED, Json(created)).into_response(), &id)
        }
        Ok(Submitted::Ran(result)) => with_id((StatusCode::OK, Json(result)).into_response(), &id),
        Err(failure) => failure_response(&state, failure, &id),
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
struct JobQuery {
    /// Wait up to this many seconds (at most 300) for the job to finish before answering.
    wait_secs: Option<f64>,
}

/// A job of the caller's (any job with `admin`).
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{job_id}",
    params(("job_id" = String, Path, description = "From create_heavy_job"), JobQuery),
    security(("bearer" = ["jobs:read"]), ("api_key" = ["jobs:read"])),
    responses(
        (status = 200, description = "The job", body = JobRecord),
        (status = 400, description = "A malformed query", body = ApiError),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `jobs:read` scope", body = ApiError),
        (status = 404, description = "No such job, or another caller's", body = ApiError),
        (status = 429, description = "The caller's rate limit (Retry-After)", body = ApiError),
        (status = 501, description = "This executor does not run heavy jobs", body = ApiError),
    )
)]
async fn get_job(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    job_id: Result<Path<String>, axum::extract::rejection::PathRejection>,
    query: Result<Query<JobQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let id = assigned.0;
    let Ok(Path(job_id)) = job_id else {
        return bad_request("the job id is not valid UTF-8".to_owned(), &id);
    };
    let Ok(Query(query)) = query else {
        return bad_request("wait_secs must be a number of seconds".to_owned(), &id);
    };
    let wait = query
        .wait_secs
        .filter(|w| w.is_finite() && *w > 0.0)
        .map(|w| Duration::from_secs_f64(w.min(300.0)));
    match state.executor.job(&caller, &job_id, wait).await {
        Ok(Some(record)) => with_id((StatusCode::OK, Json(record)).into_response(), &id),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            ApiError::new(ErrorKind::NotFound, format!("no job {job_id}")),
            &id,
        ),
        Err(failure) => failure_response(&state, failure, &id),
    }
}

#[derive(Serialize, ToSchema)]
struct HealthBody {
    /// `ok`; `degraded` when a layer is off or missing; `unavailable` when not ready.
    status: &'static str,
    ready: bool,
    role: &'static str,
    version: &'static str,
    validation: bool,
    /// `open` (no credential configured: loopback only) or `required`.
    auth: &'static str,
    pool: Health,
}

fn health_body(state: &AppState) -> (StatusCode, HealthBody) {
    let pool = state.executor.pool.health();
    let degraded = !pool.missing_layers.is_empty()
        || !state.executor.validates()
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
        validation: state.executor.validates(),
        auth: if state.auth.is_open() {
            "open"
        } else {
            "required"
        },
        pool,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body)
}

/// Health with details (any authenticated caller): 200 when the executor can take work,
/// 503 with `pool.reasons` when it cannot (no usable slot, the queue full, shutting down, a
/// required layer missing).
#[utoipa::path(
    get,
    path = "/api/v1/health",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Ready", body = HealthBody),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 503, description = "Not ready: see pool.reasons", body = HealthBody),
    )
)]
async fn health(State(state): State<Arc<AppState>>) -> Response {
    let (status, body) = health_body(&state);
    (status, Json(body)).into_response()
}

/// Readiness, for probes (no credential needed): the same status code as `/api/v1/health`;
/// the details only for an authenticated caller (or a service running open).
#[utoipa::path(
    get,
    path = "/api/v1/health/ready",
    responses(
        (status = 200, description = "Ready"),
        (status = 503, description = "Not ready"),
    )
)]
async fn ready(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let (status, body) = health_body(&state);
    if state.auth.authenticate(&headers).await.is_ok() {
        return (status, Json(body)).into_response();
    }
    let brief = serde_json::json!({"status": body.status, "ready": body.ready});
    (status, Json(brief)).into_response()
}

/// Liveness: the process answers (no credential needed).
#[utoipa::path(
    get,
    path = "/api/v1/health/live",
    responses((status = 200, description = "Alive"))
)]
async fn live() -> Response {
    (StatusCode::OK, Json(serde_json::json!({"status": "alive"}))).into_response()
}

/// This API's OpenAPI document.
async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
