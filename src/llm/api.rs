//! The LLM role's HTTP API: `POST /api/v1/query`, `GET /api/v1/health` and the OpenAPI
//! document generated from the Rust types at `GET /api/v1/openapi.json`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::client::{LlmClient, LlmError};
use super::executor_client::ExecutorError;
use super::flow::{self, Context, FlowError, QueryAnswer, QueryRequest};
use crate::http::{
    error, finish, protect, read_json, with_id, Access, Authenticator, BodyLimits, RequestId,
    SecurityAddon,
};
use crate::metrics::Metrics;
use crate::models::{ApiError, Caller, ErrorKind, Scope};
use crate::telemetry;

pub struct LlmState {
    pub context: Context,
    pub body: BodyLimits,
    pub auth: Arc<Authenticator>,
    /// The process's metrics: `GET /metrics` is served and requests counted when set.
    pub metrics: Option<Arc<Metrics>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pyexec LLM API",
        description = "Questions in, validated code run in the sandbox, answers out."
    ),
    paths(query, health, live),
    components(schemas(QueryRequest, QueryAnswer, ApiError, LlmHealth)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

/// The LLM role's protected routes, without the shared layers (the all-in-one mode merges
/// them with the executor's).
pub fn work_routes(state: Arc<LlmState>) -> Router {
    let auth = Arc::clone(&state.auth);
    Router::new()
        .merge(protect(
            Router::new()
                .route("/api/v1/query", post(query))
                .with_state(Arc::clone(&state)),
            &auth,
            Access::Scope(Scope::Query),
        ))
        .merge(protect(
            Router::new()
                .route("/api/v1/health", get(health))
                .with_state(state),
            &auth,
            Access::Authenticated,
        ))
        .merge(
            Router::new()
                .route("/api/v1/health/live", get(live))
                .route("/api/v1/openapi.json", get(openapi)),
        )
}

/// The LLM role's router, with the shared layers of [`crate::http::finish`].
pub fn router(state: Arc<LlmState>) -> Router {
    let metrics = state.metrics.clone();
    finish(work_routes(state), metrics.as_ref(), "llm")
}

/// Ask a question: the LLM writes a program, the validator checks it (findings go back for
/// corrections), the executor runs it.
#[utoipa::path(
    post,
    path = "/api/v1/query",
    request_body = QueryRequest,
    params(("x-request-id" = Option<String>, Header, description = "Request id; generated when absent")),
    security(("bearer" = ["query"]), ("api_key" = ["query"])),
    responses(
        (status = 200, description = "The flow completed: see `result` and `error`", body = QueryAnswer),
        (status = 400, description = "Malformed request, or limits the executor refused", body = ApiError),
        (status = 401, description = "No valid credential", body = ApiError),
        (status = 403, description = "The credential lacks the `query` scope", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 409, description = "The request id names another caller's heavy job", body = ApiError),
        (status = 429, description = "The caller's rate or queue limit, here or at the executor (Retry-After)", body = ApiError),
        (status = 408, description = "The body did not arrive within server.body_read_timeout_secs", body = ApiError),
        (status = 413, description = "Body over the size limit", body = ApiError),
        (status = 502, description = "The LLM or the executor failed", body = ApiError),
        (status = 503, description = "No LLM endpoint configured, the executor is busy (with Retry-After) or shutting down", body = ApiError),
        (status = 504, description = "The LLM or the executor timed out", body = ApiError),
    )
)]
async fn query(
    State(state): State<Arc<LlmState>>,
    Extension(assigned): Extension<RequestId>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let id = assigned.0;
    async move {
        let started = Instant::now();
        let request: QueryRequest = match read_json(&headers, body, state.body).await {
            Ok(request) => request,
            Err(err) => return error(err.status(), err.to_api_error(), &id),
        };
        tracing::info!(
            caller = %caller.id,
            query_chars = request.query.len(),
            data_bytes = request.data.as_ref().map_or(0, String::len),
            "query"
        );
        let answered = flow::answer(&state.context, request, id.clone(), &caller.id).await;
        if let Some(metrics) = &state.metrics {
            metrics.query(query_outcome(&answered));
            if let Ok(answer) = &answered {
                metrics.correction_rounds(answer.attempts.len().saturating_sub(1));
            }
        }
        let response = match answered {
            Ok(answer) => with_id((StatusCode::OK, Json(answer)).into_response(), &id),
            Err(err) => {
                let (status, kind) = match &err {
                    FlowError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorKind::BadRequest),
                    FlowError::Llm(LlmError::NotConfigured) => {
                        (StatusCode::SERVICE_UNAVAILABLE, ErrorKind::Upstream)
                    }
                    FlowError::Llm(LlmError::Timeout { .. })
                    | FlowError::Executor(ExecutorError::Timeout { .. }) => {
                        (StatusCode::GATEWAY_TIMEOUT, ErrorKind::Upstream)
                    }
                    // The executor's own answers keep their meaning: overload stays 503
                    // (with its Retry-After), the caller's own limit 429 (with its
                    // Retry-After), a refused request 400, a request id of another's job 409.
                    FlowError::Executor(ExecutorError::Refused { status: 503, .. }) => {
                        (StatusCode::SERVICE_UNAVAILABLE, ErrorKind::Busy)
                    }
                    FlowError::Executor(ExecutorError::Refused { status: 429, .. }) => {
                        (StatusCode::TOO_MANY_REQUESTS, ErrorKind::RateLimited)
                    }
                    FlowError::Executor(ExecutorError::Refused { status: 409, .. }) => {
                        (StatusCode::CONFLICT, ErrorKind::Conflict)
                    }
                    FlowError::Executor(ExecutorError::Refused { status: 400, .. }) => {
                        (StatusCode::BAD_REQUEST, ErrorKind::BadRequest)
                    }
                    FlowError::Llm(_) | FlowError::Executor(_) => {
                        (StatusCode::BAD_GATEWAY, ErrorKind::Upstream)
                    }
                };
                tracing::warn!(error = %telemetry::error_chain(&err), "query failed");
                let mut response = error(status, ApiError::new(kind, err.to_string()), &id);
                if let FlowError::Executor(ExecutorError::Refused {
                    retry_after: Some(secs),
                    ..
                }) = &err
                {
                    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                        response.headers_mut().insert("retry-after", value);
                    }
                }
                response
            }
        };
        tracing::info!(
            status = response.status().as_u16(),
            total_ms = started.elapsed().as_secs_f64() * 1000.0,
            "answered"
        );
        response
    }
    .await
}

/// What a query came to, as a metrics label: the result's status (`ok`, `rejected` when no
/// program passed validation, ...), `job` for heavy code still running, or the failure.
fn query_outcome(answered: &Result<QueryAnswer, FlowError>) -> &'static str {
    match answered {
        Ok(QueryAnswer {
            result: Some(result),
            ..
        }) => crate::metrics::status_label(result.status),
        Ok(_) => "job",
        Err(FlowError::BadRequest(_)) => "bad_request",
        Err(FlowError::Llm(LlmError::NotConfigured)) => "llm_not_configured",
        Err(FlowError::Llm(_)) => "llm_error",
        Err(FlowError::Executor(ExecutorError::Refused { status: 503, .. })) => "executor_busy",
        Err(FlowError::Executor(_)) => "executor_error",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LlmHealth {
    /// `ok` when the LLM endpoint and the executor both answer, else `degraded`.
    status: &'static str,
    role: &'static str,
    version: &'static str,
    llm: Upstream,
    executor: Upstream,
}

#[derive(Debug, Serialize, ToSchema)]
struct Upstream {
    /// Absent when not configured.
    url: Option<String>,
    reachable: bool,
}

/// Status of the role and of what it depends on (any authenticated caller).
#[utoipa::path(
    get,
    path = "/api/v1/health",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, body = LlmHealth),
        (status = 401, description = "No valid credential", body = ApiError),
    )
)]
async fn health(State(state): State<Arc<LlmState>>) -> Response {
    let ctx = &state.context;
    let llm_url = ctx.llm.as_ref().map(|c| c.endpoint().to_owned());
    let (llm_ok, executor_ok) = tokio::join!(
        async {
            match &llm_url {
                Some(url) => LlmClient::reachable(url).await,
                None => false,
            }
        },
        ctx.executor.reachable()
    );
    let body = LlmHealth {
        status: if llm_ok && executor_ok {
            "ok"
        } else {
            "degraded"
        },
        role: "llm",
        version: env!("CARGO_PKG_VERSION"),
        llm: Upstream {
            url: llm_url,
            reachable: llm_ok,
        },
        executor: Upstream {
            url: Some(ctx.executor.url().to_owned()),
            reachable: executor_ok,
        },
    };
    (StatusCode::OK, Json(body)).into_response()
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

async fn openapi() -> Response {
    (StatusCode::OK, Json(ApiDoc::openapi())).into_response()
}
