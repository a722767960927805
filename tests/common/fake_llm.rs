//! A scripted OpenAI-compatible LLM server on 127.0.0.1 (`/v1/chat/completions`,
//! `/v1/models`) that answers each request with the next step of its script and records every
//! request it gets.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// What the test LLM does for one request, in order.
#[derive(Clone)]
pub enum Scripted {
    Reply(&'static str),
    Status(u16),
    Slow(Duration, &'static str),
    /// An answer of this many bytes.
    Huge(usize),
}

#[derive(Default)]
struct Script {
    steps: Mutex<VecDeque<Scripted>>,
    requests: Mutex<Vec<Value>>,
}

pub struct TestLlm {
    pub url: String,
    script: Arc<Script>,
    _runtime: tokio::runtime::Runtime,
}

impl TestLlm {
    pub fn start(steps: &[Scripted]) -> Self {
        let script = Arc::new(Script {
            steps: Mutex::new(steps.iter().cloned().collect()),
            requests: Mutex::default(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .route("/v1/models", get(models))
            .with_state(Arc::clone(&script));
        let (addr, runtime) = super::serve_in_background(app);
        let url = format!("http://{addr}/v1");
        Self {
            url,
            script,
            _runtime: runtime,
        }
    }

    pub fn requests(&self) -> Vec<Value> {
        self.script.requests.lock().expect("lock").clone()
    }
}

async fn models() -> Json<Value> {
    Json(
        json!({"object": "list", "data": [{"id": "test-model", "object": "model", "created": 0, "owned_by": "test"}]}),
    )
}

async fn completions(State(script): State<Arc<Script>>, Json(body): Json<Value>) -> Response {
    script.requests.lock().expect("lock").push(body);
    let step = script.steps.lock().expect("lock").pop_front();
    let text = match step {
        Some(Scripted::Reply(text)) => text,
        Some(Scripted::Slow(delay, text)) => {
            tokio::time::sleep(delay).await;
            text
        }
        Some(Scripted::Huge(bytes)) => {
            return (StatusCode::OK, "x".repeat(bytes)).into_response();
        }
        Some(Scripted::Status(code)) => {
            let status = StatusCode::from_u16(code).expect("status");
            return (status, Json(json!({"error": {"message": "scripted failure", "type": "server_error", "param": null, "code": null}}))).into_response();
        }
        None => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "the script ran out").into_response();
        }
    };
    Json(json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    }))
    .into_response()
}
