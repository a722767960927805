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

use super::{Executor, Failure, Origin, Route, Submitted};
use crate::http::{
    error, finish, protect, read_json, with_id, Access, Authenticator, BodyLimits, RequestId,
    SecurityAddon, ATTEMPTS_HEADER, SOURCE_HEADER,
};
use crate::metrics::Metrics;
use crate::models::{
    sane_request_id, ApiError, Caller, CodeExecutionRequest, ErrorKind, ExecutionError,
    ExecutionRecord, ExecutionResult, HistoryPage, InputRef, JobCreated, JobLogs, JobOutputs,
    JobRecord, NamedInput, OutputFile, RunStatus, Scope, Source, Tier, UploadedFile,
};
use crate::sandbox::Health;
use crate::telemetry;

pub struct AppState {
    pub executor: Executor,
    pub body: BodyLimits,
    pub auth: Arc<Authenticator>,
    /// The process's metrics: `GET /metrics` is served and requests counted when set.
    pub metrics: Option<Arc<Metrics>>,
    /// The `logs?follow=true` streams open now, by caller.
    pub follows: Follows,
}

/// Bounds on open `logs?follow=true` streams: each holds a connection and a task, so one
/// caller may hold a few and all callers together a few dozen; past that, 429.
#[derive(Debug, Default)]
pub struct Follows {
    open: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

/// Most follow streams one caller may hold open at once.
const FOLLOWS_PER_CALLER: usize = 4;
/// Most follow streams open at once in all.
const FOLLOWS_IN_ALL: usize = 64;

/// One open follow stream; closing it (dropping the stream) frees its place.
struct FollowPlace {
    state: Arc<AppState>,
    caller: String,
}

impl Follows {
    fn take(state: &Arc<AppState>, caller: &str) -> Result<FollowPlace, String> {
        let mut open = state
            .follows
            .open
            .lock()
            .map_err(|_| "follow streams unavailable".to_owned())?;
        let total: usize = open.values().sum();
        let mine = open.get(caller).copied().unwrap_or(0);
        if mine >= FOLLOWS_PER_CALLER {
            return Err(format!(
                "you follow {mine} jobs already (at most {FOLLOWS_PER_CALLER} at once); close one, or poll without follow"
            ));
        }
        if total >= FOLLOWS_IN_ALL {
            return Err(format!(
                "{total} follow streams are open (at most {FOLLOWS_IN_ALL}); try again shortly, or poll without follow"
            ));
        }
        *open.entry(caller.to_owned()).or_default() += 1;
        Ok(FollowPlace {
            state: Arc::clone(state),
            caller: caller.to_owned(),
        })
    }
}

impl Drop for FollowPlace {
    fn drop(&mut self) {
        if let Ok(mut open) = self.state.follows.open.lock() {
            if let Some(count) = open.get_mut(&self.caller) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&self.caller);
                }
            }
        }
    }
}

/// One event of `GET /api/v1/jobs/{job_id}/logs?follow=true`, as an event-stream parser
/// reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobLogEvent {
    /// `stdout` or `stderr` (data `{"text"}`: new output), `end` (data `{"status",
    /// "complete"}`: the last event), or `error` (the job could no longer be read).
    pub event: String,
    /// The event's data: JSON text.
    pub data: String,
}

/// The executor behind the API, for entry points that share its state (event triggers).
impl AsRef<Executor> for AppState {
    fn as_ref(&self) -> &Executor {
        &self.executor
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pyexec executor API",
        description = "Validated Python run in a warm OS-level sandbox; heavy jobs. Every non-2xx answer is an ApiError with the request id."
    ),
    paths(execute_snippet, create_heavy_job, upload_file, get_job, cancel_job, list_jobs, job_logs, job_outputs, job_output, list_executions, get_execution, health, ready, live),
    components(schemas(CodeExecutionRequest, InputRef, NamedInput, UploadedFile, FileBytes, ExecutionResult, JobCreated, JobRecord, JobLogs, JobLogEvent, JobOutputs, OutputFile, ExecutionRecord, HistoryPage, ApiError, HealthBody)),
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
            Router::new()
                .route("/api/v1/create_heavy_job", post(create_heavy_job))
                .route(crate::http::UPLOAD_PATH, post(upload_file)),
            Access::Scope(Scope::JobsWrite),
        ))
        .merge(group(
            Router::new()
                .route("/api/v1/jobs/{job_id}", get(get_job))
                .route("/api/v1/jobs/{job_id}/logs", get(job_logs))
                .route("/api/v1/jobs/{job_id}/outputs", get(job_outputs))
                .route("/api/v1/jobs/{job_id}/outputs/{*name}", get(job_output))
                .route("/api/v1/jobs", get(list_jobs))
                .route("/api/v1/executions", get(list_executions))
                .route("/api/v1/executions/{request_id}", get(get_execution)),
            Access::Scope(Scope::JobsRead),
        ))
        .merge(group(
            Router::new().route("/api/v1/jobs/{job_id}", axum::routing::delete(cancel_job)),
            Access::Scope(Scope::JobsWrite),
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
        (status = 409, description = "The request id was already used for another program (the same program under it gets its recorded run)", body = ApiError),
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
    let origin = origin_of(&caller, &headers, request.request_id.is_some());
    tracing::info!(caller = %caller.id, code_bytes = request.code.len(), "execute_snippet");
    let response = match state
        .executor
        .submit(&caller, request, id.clone(), Route::Run, origin)
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

/// Where a REST request came from (the LLM role says so in [`SOURCE_HEADER`]); whether the
/// caller chose its request id (a header, or `body_id`). The LLM role's ids are its queries':
/// a query's repairs and a resent query run programs the model wrote anew under the same
/// id, so they are not answered from the history (the record keeps the query's last run).
///
/// Only a delegate acting for a user (the LLM role) is believed about the source and the
/// attempts: any other caller could otherwise switch its own request ids' checks off.
fn origin_of(caller: &Caller, headers: &HeaderMap, body_id: bool) -> Origin {
    let text = |name: &str| {
        if !caller.delegated {
            return None;
        }
        headers.get(name).and_then(|v| v.to_str().ok())
    };
    let source = match text(SOURCE_HEADER) {
        Some("llm") => Source::Llm,
        _ => Source::Rest,
    };
    let chosen = body_id || crate::http::request_id(headers).is_some();
    let mut origin = Origin::new(source, chosen && source != Source::Llm);
    origin.attempts = text(ATTEMPTS_HEADER)
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|n| *n <= 1000);
    origin
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
        Failure::NoHistory => error(
            StatusCode::NOT_IMPLEMENTED,
            ApiError::new(
                ErrorKind::NotFound,
                "this executor keeps no run history (history.enabled = false)",
            ),
            id,
        ),
        Failure::History(message) => {
            tracing::error!(%message, "the run history failed");
            retry_after(
                error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ApiError::new(
                        ErrorKind::Internal,
                        format!("the run history is unavailable: {message}"),
                    ),
                    id,
                ),
                5,
            )
        }
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
        (status = 409, description = "The request id was already used for another program", body = ApiError),
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
    let origin = origin_of(&caller, &headers, request.request_id.is_some());
    let submitted = state
        .executor
        .submit(&caller, request, id.clone(), Route::Job, origin)
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
#[into_params(parameter_in = Query)]
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
        JobReadErrors,
    )
)]
async fn get_job(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    JobId(job_id): JobId,
    query: Result<Query<JobQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let id = assigned.0;
    let Ok(Query(query)) = query else {
        return bad_request("wait_secs must be a number of seconds".to_owned(), &id);
    };
    let wait = query
        .wait_secs
        .filter(|w| w.is_finite() && *w > 0.0)
        .map(|w| Duration::from_secs_f64(w.min(300.0)));
    let outcome = state.executor.job(&caller, &job_id, wait).await;
    found(&state, outcome, || format!("no job {job_id}"), &id)
}

/// Stop a heavy job of the caller's (any job with `admin`): a pending job never starts, a
/// running one's runner or Kubernetes Job is stopped; the job ends `cancelled`. A job that
/// already ended is answered as it is.
#[utoipa::path(
    delete,
    path = "/api/v1/jobs/{job_id}",
    params(("job_id" = String, Path, description = "From create_heavy_job")),
    security(("bearer" = ["jobs:write"]), ("api_key" = ["jobs:write"])),
    responses(
        (status = 200, description = "The job after the request (`cancelled`, or as it ended)", body = JobRecord),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `jobs:write` scope", body = ApiError),
        (status = 404, description = "No such job, or another caller's", body = ApiError),
        (status = 429, description = "The caller's rate limit (Retry-After)", body = ApiError),
        (status = 501, description = "This executor does not run heavy jobs", body = ApiError),
        (status = 503, description = "The job backend could not stop the job", body = ApiError),
    )
)]
async fn cancel_job(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    JobId(job_id): JobId,
) -> Response {
    let id = assigned.0;
    let outcome = state.executor.cancel_job(&caller, &job_id).await;
    found(&state, outcome, || format!("no job {job_id}"), &id)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadQuery {
    /// The file name it gets in a job's input folder (`upload` when absent): one plain name,
    /// not starting with `.`.
    name: Option<String>,
}

/// A file's bytes, as an upload's body.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only its schema is used.
struct FileBytes(Vec<u8>);

/// Stores the request body (any content type, streamed, up to `jobs.inputs.max_upload_bytes`)
/// as a file of the caller's, to name by its `file_id` in a heavy request's `inputs`. Only
/// the caller that uploaded it can use it.
#[utoipa::path(
    post,
    path = "/api/v1/files",
    params(UploadQuery),
    request_body(content = FileBytes, content_type = "application/octet-stream", description = "The file's bytes"),
    security(("bearer" = ["jobs:write"]), ("api_key" = ["jobs:write"])),
    responses(
        (status = 201, description = "Stored", body = UploadedFile),
        (status = 400, description = "A name that is not a plain file name, or a body that broke off", body = ApiError),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `jobs:write` scope", body = ApiError),
        (status = 408, description = "The body stopped arriving (jobs.inputs.upload_stall_secs)", body = ApiError),
        (status = 413, description = "Over jobs.inputs.max_upload_bytes", body = ApiError),
        (status = 429, description = "The caller's rate limit, or too many uploads at once (Retry-After)", body = ApiError),
        (status = 501, description = "This executor does not run heavy jobs", body = ApiError),
        (status = 503, description = "The storage could not take it", body = ApiError),
    )
)]
async fn upload_file(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Body,
) -> Response {
    use crate::jobs::uploads::UploadError;
    let id = assigned.0;
    let Ok(Query(query)) = query else {
        return bad_request("a malformed query (name=...)".to_owned(), &id);
    };
    let Some(jobs) = state.executor.jobs() else {
        return failure_response(&state, Failure::NoJobs, &id);
    };
    let name = query.name.unwrap_or_else(|| "upload".to_owned());
    match jobs
        .upload(&caller.id, &name, body.into_data_stream())
        .await
    {
        Ok(file) => with_id((StatusCode::CREATED, Json(file)).into_response(), &id),
        Err(err) => {
            let message = err.to_string();
            let (status, kind) = match &err {
                UploadError::BadName(_) | UploadError::Client(_) => {
                    (StatusCode::BAD_REQUEST, ErrorKind::BadRequest)
                }
                UploadError::TooLarge { .. } => {
                    (StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::PayloadTooLarge)
                }
                UploadError::Stalled(_) => (StatusCode::REQUEST_TIMEOUT, ErrorKind::Timeout),
                UploadError::Busy | UploadError::CallerBusy => {
                    return retry_after(
                        error(
                            StatusCode::TOO_MANY_REQUESTS,
                            ApiError::new(ErrorKind::RateLimited, message),
                            &id,
                        ),
                        1,
                    )
                }
                UploadError::Storage(_) => {
                    tracing::error!(error = %message, "an upload could not be stored");
                    (StatusCode::SERVICE_UNAVAILABLE, ErrorKind::Job)
                }
            };
            tracing::warn!(error = %message, "upload refused");
            let mut response = error(status, ApiError::new(kind, message), &id);
            if matches!(err, UploadError::TooLarge { .. } | UploadError::Stalled(_)) {
                // The rest of the body is not read: the connection cannot carry another
                // request.
                response.headers_mut().insert(
                    axum::http::header::CONNECTION,
                    HeaderValue::from_static("close"),
                );
            }
            response
        }
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LogsQuery {
    /// `true`: server-sent events (`stdout` and `stderr` events with `{"text"}` as the
    /// output comes, then `end` with `{"status"}`) until the job ends.
    follow: Option<bool>,
}

/// How long one `?follow=true` stream lasts at most (a job's own limit is far shorter).
const FOLLOW_LIMIT: Duration = Duration::from_secs(6 * 3600);
/// How often a followed job's output is looked at.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// The output of a heavy job of the caller's so far (any job's with `admin`), or with
/// `?follow=true` as server-sent events until it ends.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{job_id}/logs",
    params(("job_id" = String, Path, description = "From create_heavy_job"), LogsQuery),
    security(("bearer" = ["jobs:read"]), ("api_key" = ["jobs:read"])),
    responses(
        (status = 200, description = "The output so far (`complete` once the job has ended); with follow=true an event stream", content(
            (JobLogs = "application/json"),
            (JobLogEvent = "text/event-stream"),
        )),
        (status = 400, description = "A malformed query", body = ApiError),
        JobReadErrors,
    )
)]
async fn job_logs(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    JobId(job_id): JobId,
    query: Result<Query<LogsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let id = assigned.0;
    let Ok(Query(query)) = query else {
        return bad_request("follow must be true or false".to_owned(), &id);
    };
    let first = match state.executor.job_logs_since(&caller, &job_id, 0).await {
        Ok(Some(first)) if query.follow == Some(true) => first,
        Ok(found_logs) if query.follow != Some(true) => {
            // All of it: the rest of the log after the first bounded read.
            let whole = match found_logs {
                Some(_) => state.executor.job_logs(&caller, &job_id).await,
                None => Ok(None),
            };
            return found(&state, whole, || format!("no job {job_id}"), &id);
        }
        outcome => {
            return found(
                &state,
                outcome.map(|o| o.map(|(logs, _)| logs)),
                || format!("no job {job_id}"),
                &id,
            )
        }
    };
    let place = match Follows::take(&state, &caller.id) {
        Ok(place) => place,
        Err(why) => {
            return retry_after(
                error(
                    StatusCode::TOO_MANY_REQUESTS,
                    ApiError::new(ErrorKind::RateLimited, why),
                    &id,
                ),
                5,
            )
        }
    };
    struct Follow {
        state: Arc<AppState>,
        caller: Caller,
        job_id: String,
        /// The next answer to turn into events, and the log offset after it.
        next: Option<(JobLogs, u64)>,
        offset: u64,
        /// Bytes of text sent per stream.
        sent: [usize; 2],
        until: tokio::time::Instant,
        done: bool,
        _place: FollowPlace,
    }
    let follow = Follow {
        state: Arc::clone(&state),
        caller,
        job_id,
        next: Some(first),
        offset: 0,
        sent: [0, 0],
        until: tokio::time::Instant::now() + FOLLOW_LIMIT,
        done: false,
        _place: place,
    };
    use futures_util::StreamExt as _;
    let events = futures_util::stream::unfold(follow, |mut f| async move {
        if f.done {
            return None;
        }
        loop {
            let (logs, next) = match f.next.take() {
                Some(answer) => answer,
                None => {
                    tokio::time::sleep(FOLLOW_EVERY).await;
                    match f
                        .state
                        .executor
                        .job_logs_since(&f.caller, &f.job_id, f.offset)
                        .await
                    {
                        Ok(Some(answer)) => answer,
                        Ok(None) | Err(_) => {
                            f.done = true;
                            let event = Event::default()
                                .event("error")
                                .data("the job can no longer be read");
                            return Some((vec![event], f));
                        }
                    }
                }
            };
            f.offset = next;
            let mut events = Vec::new();
            for (index, (name, text)) in [("stdout", &logs.stdout), ("stderr", &logs.stderr)]
                .into_iter()
                .enumerate()
            {
                // While it runs: the new text. Once ended: its result's text past what was
                // sent (a result whose text is not what was relayed, decoded differently or
                // cut at the limit, adds nothing more).
                let new = if logs.complete {
                    let sent = f.sent[index];
                    if text.len() > sent && text.is_char_boundary(sent) {
                        &text[sent..]
                    } else {
                        ""
                    }
                } else {
                    text.as_str()
                };
                if new.is_empty() {
                    continue;
                }
                if let Ok(event) = Event::default()
                    .event(name)
                    .json_data(serde_json::json!({ "text": new }))
                {
                    events.push(event);
                }
                f.sent[index] += new.len();
            }
            let out_of_time = tokio::time::Instant::now() >= f.until;
            if logs.complete || out_of_time {
                let status = serde_json::to_value(logs.status).unwrap_or_default();
                if let Ok(event) = Event::default()
                    .event("end")
                    .json_data(serde_json::json!({"status": status, "complete": logs.complete}))
                {
                    events.push(event);
                }
                f.done = true;
            }
            if !events.is_empty() {
                return Some((events, f));
            }
        }
    })
    .flat_map(|events| {
        futures_util::stream::iter(events.into_iter().map(Ok::<_, std::convert::Infallible>))
    });
    with_id(
        Sse::new(events)
            .keep_alive(KeepAlive::default())
            .into_response(),
        &id,
    )
}

/// The files a finished job of the caller's wrote to its output folder (any job's with
/// `admin`): name, size, SHA-256 and content type of each.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{job_id}/outputs",
    params(("job_id" = String, Path, description = "From create_heavy_job")),
    security(("bearer" = ["jobs:read"]), ("api_key" = ["jobs:read"])),
    responses(
        (status = 200, description = "The job's output files (none when it wrote none)", body = JobOutputs),
        (status = 409, description = "The job has not finished", body = ApiError),
        (status = 503, description = "The result storage could not be read", body = ApiError),
        JobReadErrors,
    )
)]
async fn job_outputs(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    JobId(job_id): JobId,
) -> Response {
    let id = assigned.0;
    let outcome = state.executor.job_outputs(&caller, &job_id).await;
    found(&state, outcome, || format!("no job {job_id}"), &id)
}

/// One output file of a finished job of the caller's, streamed, as an attachment. A `Range:
/// bytes=...` header with one range gets 206 and that part (416 when it lies past the end);
/// the ETag is the file's SHA-256. Only names the job's listing shows are served.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{job_id}/outputs/{name}",
    params(
        ("job_id" = String, Path, description = "From create_heavy_job"),
        ("name" = String, Path, description = "A file name as GET /api/v1/jobs/{job_id}/outputs lists it (may contain `/`)"),
    ),
    security(("bearer" = ["jobs:read"]), ("api_key" = ["jobs:read"])),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The range asked for", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "A name that climbs out of the output folder (`..`, an absolute path)", body = ApiError),
        (status = 409, description = "The job has not finished", body = ApiError),
        (status = 416, description = "The range lies past the end of the file", body = ApiError),
        (status = 503, description = "The result storage could not be read", body = ApiError),
        JobReadErrors,
    )
)]
async fn job_output(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
    headers: axum::http::HeaderMap,
) -> Response {
    let id = assigned.0;
    let Ok(Path((job_id, name))) = path else {
        return bad_request("the job id or file name is not valid UTF-8".to_owned(), &id);
    };
    if let Err(why) = output_name(&name) {
        return bad_request(why, &id);
    }
    // The size first (from the listing), then the range asked for.
    let listing = match state.executor.job_outputs(&caller, &job_id).await {
        Ok(Some(listing)) => listing,
        outcome => return found(&state, outcome, || format!("no job {job_id}"), &id),
    };
    let Some(file) = listing.files.into_iter().find(|f| f.name == name) else {
        return error(
            StatusCode::NOT_FOUND,
            ApiError::new(
                ErrorKind::NotFound,
                format!("job {job_id} wrote no file {name:?}"),
            ),
            &id,
        );
    };
    let size = file.size;
    let range = match byte_range(headers.get(axum::http::header::RANGE), size) {
        Ok(range) => range,
        Err(()) => {
            let mut response = error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ApiError::new(
                    ErrorKind::BadRequest,
                    format!("the range lies past the end of {name:?} ({size} bytes)"),
                ),
                &id,
            );
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response
                    .headers_mut()
                    .insert(axum::http::header::CONTENT_RANGE, value);
            }
            return response;
        }
    };
    let stream = match state
        .executor
        .job_output(&listing.job_id, &file, range.clone())
        .await
    {
        Ok(stream) => stream,
        Err(failure) => return failure_response(&state, failure, &id),
    };
    let (status, length) = match &range {
        Some(r) => (StatusCode::PARTIAL_CONTENT, r.end - r.start),
        None => (StatusCode::OK, file.size),
    };
    let base = file.name.rsplit('/').next().unwrap_or("output");
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = axum::response::Response::new(axum::body::Body::from_stream(stream));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut set = |name: axum::http::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    use axum::http::header;
    // An attachment, never rendered: the bytes are whatever the job's code wrote.
    set(header::CONTENT_TYPE, file.content_type.clone());
    set(
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{safe}\""),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned());
    set(header::CONTENT_LENGTH, length.to_string());
    set(header::ACCEPT_RANGES, "bytes".to_owned());
    set(header::ETAG, format!("\"{}\"", file.sha256));
    if let Some(r) = &range {
        set(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{}", r.start, r.end - 1, file.size),
        );
    }
    with_id(response, &id)
}

/// A file name under a job's output folder: relative, no `..`, no empty or odd segments.
fn output_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.len() > 1024
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(format!(
            "{name:?} is not a file of the job's output folder (a relative path without `..`, as the listing shows it)"
        ));
    }
    Ok(())
}

/// The one byte range of a `Range` header, within a file of `size` bytes: `Ok(None)` for the
/// whole file (no header, or one this server ignores: other units, several ranges, malformed,
/// as RFC 9110 allows), `Err` when it cannot be satisfied.
fn byte_range(header: Option<&HeaderValue>, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(spec) = header
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.trim().strip_prefix("bytes="))
    else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let range = if first.is_empty() {
        // The last N bytes.
        let Ok(n) = last.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 {
            return Err(());
        }
        size.saturating_sub(n)..size
    } else {
        let Ok(start) = first.parse::<u64>() else {
            return Ok(None);
        };
        let end = if last.is_empty() {
            size
        } else {
            match last.parse::<u64>() {
                Ok(last) if last >= start => last.saturating_add(1).min(size),
                _ => return Ok(None),
            }
        };
        start..end
    };
    if range.start >= size || range.is_empty() {
        return Err(());
    }
    Ok(Some(range))
}

/// The `{job_id}` of a job path: one that is not UTF-8 is a 400 in the error contract.
struct JobId(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for JobId {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Response> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(job_id)) => Ok(JobId(job_id)),
            Err(_) => {
                let id = parts
                    .extensions
                    .get::<RequestId>()
                    .map(|r| r.0.clone())
                    .unwrap_or_default();
                Err(bad_request("the job id is not valid UTF-8".to_owned(), &id))
            }
        }
    }
}

/// What every endpoint reading a job may answer besides its own answers.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // a description for the OpenAPI document, never built
enum JobReadErrors {
    /// No valid credential
    #[response(status = 401)]
    Unauthorized(ApiError),
    /// The credential lacks the `jobs:read` scope
    #[response(status = 403)]
    Forbidden(ApiError),
    /// No such job (or output file), or another caller's job
    #[response(status = 404)]
    NotFound(ApiError),
    /// The caller's rate limit, or (logs?follow=true) too many follow streams open (Retry-After)
    #[response(status = 429)]
    TooManyRequests(ApiError),
    /// This executor does not run heavy jobs
    #[response(status = 501)]
    NoJobs(ApiError),
}

/// 200 with what was found, 404 saying what was not, or the failure's answer.
fn found<T: Serialize>(
    state: &AppState,
    outcome: Result<Option<T>, Failure>,
    missing: impl FnOnce() -> String,
    id: &str,
) -> Response {
    match outcome {
        Ok(Some(value)) => with_id((StatusCode::OK, Json(value)).into_response(), id),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            ApiError::new(ErrorKind::NotFound, missing()),
            id,
        ),
        Err(failure) => failure_response(state, failure, id),
    }
}

/// Filters of the history listings; every one narrows.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// Statuses, comma-separated (`ok,error,timeout,memory_limit,killed,rejected,internal_error,refused,pending,running,succeeded,failed,cancelled`).
    status: Option<String>,
    /// `lightweight` or `heavy`.
    tier: Option<String>,
    /// `rest`, `llm`, `event` or `cli`.
    source: Option<String>,
    /// Received at or after this time (RFC 3339).
    since: Option<String>,
    /// Received before this time (RFC 3339).
    until: Option<String>,
    /// Request ids starting with this.
    request_id_prefix: Option<String>,
    /// With `admin`: only this caller's records.
    owner: Option<String>,
    /// Records per page: 50 by default, at most 500.
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl HistoryQuery {
    fn filter(self, jobs_only: bool) -> Result<crate::history::Filter, String> {
        // No control character reaches the database (PostgreSQL refuses NUL in text: that
        // would be an outage answer for a bad request).
        for (name, value) in [
            ("status", &self.status),
            ("tier", &self.tier),
            ("source", &self.source),
            ("since", &self.since),
            ("until", &self.until),
            ("request_id_prefix", &self.request_id_prefix),
            ("owner", &self.owner),
            ("cursor", &self.cursor),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.chars().any(char::is_control))
            {
                return Err(format!("{name} holds a control character"));
            }
        }
        let time = |name: &str, value: Option<String>| -> Result<Option<i64>, String> {
            value
                .map(|v| {
                    crate::history::parse_time(&v).ok_or_else(|| {
                        format!("{name} must be an RFC 3339 time such as 2026-12-01T10:00:00Z")
                    })
                })
                .transpose()
        };
        let statuses = match self.status {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|s| {
                    RunStatus::parse(s.trim()).ok_or_else(|| {
                        format!(
                            "unknown status {:?}; one of {}",
                            s.chars().take(40).collect::<String>(),
                            RunStatus::ALL.map(RunStatus::as_str).join(", ")
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        // Each status once: the query names at most every status there is.
        let mut statuses = statuses;
        statuses.sort_by_key(|s| s.as_str());
        statuses.dedup();
        let tier = match self.tier.as_deref() {
            None => None,
            Some("lightweight") => Some(Tier::Lightweight),
            Some("heavy") => Some(Tier::Heavy),
            Some(_) => return Err("tier must be lightweight or heavy".to_owned()),
        };
        let source = match self.source.as_deref() {
            None => None,
            Some(text) => {
                Some(Source::parse(text).ok_or("source must be rest, llm, event or cli")?)
            }
        };
        let before = match self.cursor.as_deref() {
            None => None,
            Some(cursor) => Some(
                super::decode_cursor(cursor)
                    .ok_or("cursor is not one this service gave (pass next_cursor as it is)")?,
            ),
        };
        if let Some(limit) = self.limit {
            if limit == 0 {
                return Err("limit must be at least 1".to_owned());
            }
        }
        Ok(crate::history::Filter {
            owner: self.owner,
            statuses,
            tier,
            source,
            since: time("since", self.since)?,
            until: time("until", self.until)?,
            request_id_prefix: self.request_id_prefix,
            jobs_only,
            before,
            limit: self.limit.unwrap_or(50).min(crate::history::MAX_PAGE),
        })
    }
}

async fn history_page(
    state: &AppState,
    caller: &Caller,
    id: &str,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
    jobs_only: bool,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => return bad_request(rejection.body_text(), id),
    };
    let filter = match query.filter(jobs_only) {
        Ok(filter) => filter,
        Err(message) => return bad_request(message, id),
    };
    match state.executor.executions(caller, filter).await {
        Ok(page) => with_id((StatusCode::OK, Json(page)).into_response(), id),
        Err(failure) => failure_response(state, failure, id),
    }
}

/// The run history: the caller's requests (everyone's with `admin`), newest first, a page
/// at a time.
#[utoipa::path(
    get,
    path = "/api/v1/executions",
    params(HistoryQuery),
    security(("bearer" = ["jobs:read"]), ("api_key" = ["jobs:read"])),
    responses(
        (status = 200, description = "A page of records", body = HistoryPage),
        (status = 400, description = "A malformed filter or cursor", body = ApiError),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `jobs:read` scope", body = ApiError),
        (status = 429, description = "The caller's rate limit (Retry-After)", body = ApiError),
        (status = 501, description = "No run history here", body = ApiError),
        (status = 503, description = "The history database is unavailable", body = ApiError),
    )
)]
async fn list_executions(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    history_page(&state, &caller, &assigned.0, query, false).await
}

/// The heavy jobs in the run history (the same filters as `/api/v1/executions`).
#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    params(HistoryQuery),
    security(("bearer" = ["jobs:read"]), ("api_key" = ["jobs:read"])),
    responses(
        (status = 200, description = "A page of heavy-job records", body = HistoryPage),
        (status = 400, description = "A malformed filter or cursor", body = ApiError),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `jobs:read` scope", body = ApiError),
        (status = 429, description = "The caller's rate limit (Retry-After)", body = ApiError),
        (status = 501, description = "No run history here", body = ApiError),
        (status = 503, description = "The history database is unavailable", body = ApiError),
    )
)]
async fn list_jobs(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    history_page(&state, &caller, &assigned.0, query, true).await
}

/// One request of the caller's, by its request id, with its program (when kept) and its
/// whole result.
#[utoipa::path(
    get,
    path = "/api/v1/executions/{request_id}",
    params(("request_id" = String, Path, description = "The request id")),
    security(("bearer" = ["jobs:read"]), ("api_key" = ["jobs:read"])),
    responses(
        (status = 200, description = "The record", body = ExecutionRecord),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `jobs:read` scope", body = ApiError),
        (status = 404, description = "No such request, or another caller's", body = ApiError),
        (status = 429, description = "The caller's rate limit (Retry-After)", body = ApiError),
        (status = 501, description = "No run history here", body = ApiError),
        (status = 503, description = "The history database is unavailable", body = ApiError),
    )
)]
async fn get_execution(
    State(state): State<Arc<AppState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    request_id: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let id = assigned.0;
    let Ok(Path(request_id)) = request_id else {
        return bad_request("the request id is not valid UTF-8".to_owned(), &id);
    };
    let outcome = state.executor.execution(&caller, &request_id).await;
    let missing = || {
        format!(
            "no request {:?} in the history",
            request_id.chars().take(140).collect::<String>()
        )
    };
    found(&state, outcome, missing, &id)
}

#[derive(Serialize, ToSchema)]
struct HealthBody {
    /// `ok`; `degraded` when a layer is off or missing; `unavailable` when not ready.
    status: &'static str,
    /// Whether the executor takes work: the pool accepts (every layer in force that the
    /// operator did not allow to be missing) and the run history's database answers.
    ready: bool,
    role: &'static str,
    version: &'static str,
    validation: bool,
    /// `open` (no credential configured: loopback only) or `required`.
    auth: &'static str,
    /// `ok`, `off`, or why the history's database is unavailable.
    history: String,
    /// Why the executor is not ready, when it is not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reasons: Vec<String>,
    pool: Health,
}

fn health_body(state: &AppState) -> (StatusCode, HealthBody) {
    let pool = state.executor.pool.health();
    let degraded = !pool.missing_layers.is_empty()
        || !state.executor.validates()
        || !pool.layers.iter().any(|l| l == "guards");
    let mut reasons = Vec::new();
    if !pool.accepting {
        reasons.push("the sandbox pool does not accept work (see pool.reasons)".to_owned());
    }
    let history = match state.executor.history() {
        None => "off".to_owned(),
        Some(history) => match history.healthy() {
            Ok(()) => "ok".to_owned(),
            Err(why) => {
                reasons.push(format!("the run history's database is unavailable: {why}"));
                format!("unavailable: {why}")
            }
        },
    };
    let ready = reasons.is_empty();
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
        history,
        reasons,
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
    let brief =
        serde_json::json!({"status": body.status, "ready": body.ready, "reasons": body.reasons});
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
