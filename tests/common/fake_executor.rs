//! An executor on 127.0.0.1 that answers every execution request the same scripted way, for
//! testing how the LLM role treats its executor's answers.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// What the fake executor does with each execution request.
#[derive(Clone, Copy)]
pub enum ExecutorMode {
    Busy,
    BadRequest,
    Stall,
    Huge,
}

/// An executor that answers every execution request as `mode` says; the LLM role cannot
/// tell it from the real one at the HTTP level.
pub fn fake_executor(mode: ExecutorMode) -> (String, tokio::runtime::Runtime) {
    let execute = move || async move {
        match mode {
            ExecutorMode::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after", "1")],
                Json(json!({"error": {"kind": "busy", "message": "all 2 sandbox slots are busy"}})),
            )
                .into_response(),
            ExecutorMode::BadRequest => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {"kind": "bad_request", "message": "limit memory_mb = 99999 is above the configured maximum 1024"}})),
            )
                .into_response(),
            ExecutorMode::Stall => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                StatusCode::OK.into_response()
            }
            ExecutorMode::Huge => (StatusCode::OK, "x".repeat(8 << 20)).into_response(),
        }
    };
    let app = Router::new()
        .route("/api/v1/execute_snippet", post(execute))
        .route(
            "/api/v1/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        );
    let (addr, runtime) = super::serve_in_background(app);
    (format!("http://{addr}"), runtime)
}
