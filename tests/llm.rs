//! The LLM role end to end: `pyexec serve --role all` (LLM and executor roles, talking over
//! loopback HTTP, real sandbox) against a scripted OpenAI-compatible server that runs in this
//! test on 127.0.0.1 and records every request it gets.

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
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
enum Scripted {
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

struct TestLlm {
    url: String,
    script: Arc<Script>,
    _runtime: tokio::runtime::Runtime,
}

impl TestLlm {
    fn start(steps: &[Scripted]) -> Self {
        let script = Arc::new(Script {
            steps: Mutex::new(steps.iter().cloned().collect()),
            requests: Mutex::default(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .route("/v1/models", get(models))
            .with_state(Arc::clone(&script));
        let (addr, runtime) = common::serve_in_background(app);
        let url = format!("http://{addr}/v1");
        Self {
            url,
            script,
            _runtime: runtime,
        }
    }

    fn requests(&self) -> Vec<Value> {
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

struct Service {
    child: Child,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
    /// The sandbox uids, this test process's alone while the service runs.
    _uid_lock: common::executor::UidLock,
}

impl Service {
    fn start(llm_url: Option<&str>, env: &[(&str, &str)]) -> Self {
        Self::start_role("all", llm_url, env)
    }

    fn start_role(role: &str, llm_url: Option<&str>, env: &[(&str, &str)]) -> Self {
        let uid_lock = common::executor::UidLock::take();
        let uid = uid_lock.uid;
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("service.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyexec"));
        command
            .args(["serve", "--role", role, "--listen", "127.0.0.1:0"])
            .env("PYEXEC_EXECUTOR__SANDBOX__UID", uid.to_string())
            .env("PYEXEC_EXECUTOR__SANDBOX__GID", uid.to_string())
            .env("PYEXEC_EXECUTOR__POOL_SIZE", "1")
            .env("PYEXEC_LLM__EXECUTOR_URL", "http://127.0.0.1:0")
            .env("PYEXEC_LLM__LOCAL_FALLBACK_URL", "")
            .env("PYEXEC_LOG__FORMAT", "json")
            .env("PYEXEC_JOBS__STATE_DIR", dir.path().join("state"))
            .env_remove("PYEXEC_LLM__BASE_URL")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"));
        if let Some(url) = llm_url {
            command.env("PYEXEC_LLM__BASE_URL", url);
        }
        let mut child = command.spawn().expect("pyexec starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}; log: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .to_owned();
        Self {
            child,
            base: format!("http://{addr}"),
            log,
            _dir: dir,
            _uid_lock: uid_lock,
        }
    }

    fn query(&self, body: &Value, request_id: Option<&str>) -> (u16, Value) {
        let mut request = ureq::post(&format!("{}/api/v1/query", self.base));
        if let Some(id) = request_id {
            request = request.set("x-request-id", id);
        }
        match request.send_json(body.clone()) {
            Ok(response) => (response.status(), response.into_json().expect("JSON")),
            Err(ureq::Error::Status(code, response)) => {
                (code, response.into_json().expect("JSON error body"))
            }
            Err(err) => panic!("transport error: {err}"),
        }
    }

    fn log_lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        common::stop(&mut self.child);
    }
}

/// The text of every message of one recorded request, in order.
fn messages(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default().to_owned(),
                m["content"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_good_first_program_is_validated_run_and_answered() {
    let llm = TestLlm::start(&[Scripted::Reply(
        "Here you go:\n```python\nimport math\nprint(math.factorial(5))\n```\nDone.",
    )]);
    let service = Service::start(Some(&llm.url), &[]);
    let (code, answer) = service.query(&json!({"query": "What is 5 factorial?"}), None);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["code"], "import math\nprint(math.factorial(5))");
    assert_eq!(answer["result"]["status"], "ok", "{answer}");
    assert_eq!(answer["result"]["stdout"], "120\n");
    assert_eq!(answer["tier"], "lightweight");
    let attempts = answer["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["findings"], json!([]));
    for key in ["llm_ms", "validate_ms", "execute_ms", "total_ms"] {
        assert!(
            answer["timings"][key].as_f64().is_some_and(|v| v >= 0.0),
            "{key}"
        );
    }
    let requests = llm.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["model"], "qwen2.5-coder:7b");
    let sent = messages(&requests[0]);
    assert_eq!(sent[0].0, "system");
    assert!(
        sent[0].1.contains("math"),
        "the policy lists the allowed imports"
    );
    assert!(sent[1].1.contains("What is 5 factorial?"));
}

#[test]
fn findings_go_back_to_the_llm_and_the_corrected_program_runs() {
    let llm = TestLlm::start(&[
        Scripted::Reply("```python\nimport os\nprint(os.getcwd())\n```"),
        Scripted::Reply("```python3\nprint('corrected')\n```"),
    ]);
    let service = Service::start(Some(&llm.url), &[]);
    let (code, answer) = service.query(&json!({"query": "Where am I?"}), None);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["stdout"], "corrected\n", "{answer}");
    let attempts = answer["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 2);
    let findings = attempts[0]["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert_eq!(attempts[1]["findings"], json!([]));
    // The findings reached the LLM: rule code and line, in the second request.
    let requests = llm.requests();
    assert_eq!(requests.len(), 2);
    let second = messages(&requests[1]);
    let correction = &second.last().expect("a message").1;
    let first = &findings[0];
    let expected = format!(
        "{} line {}",
        first["code"].as_str().expect("code"),
        first["line"]
    );
    assert!(
        correction.contains(&expected),
        "{correction} lacks {expected}"
    );
    assert!(second
        .iter()
        .any(|(role, text)| role == "assistant" && text.contains("import os")));
}

#[test]
fn a_program_that_never_passes_is_never_run() {
    let bad = "```python\nimport subprocess\nsubprocess.run(['ls'])\n```";
    let llm = TestLlm::start(&[
        Scripted::Reply(bad),
        Scripted::Reply(bad),
        Scripted::Reply(bad),
    ]);
    let service = Service::start(Some(&llm.url), &[("PYEXEC_LLM__MAX_CORRECTIONS", "2")]);
    let (code, answer) = service.query(&json!({"query": "List files"}), Some("never-run-1"));
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["status"], "rejected", "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("3 attempt")),
        "{answer}"
    );
    let attempts = answer["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 3, "the first try and two corrections");
    assert!(attempts
        .iter()
        .all(|a| !a["findings"].as_array().expect("findings").is_empty()));
    assert_eq!(llm.requests().len(), 3);
    // The executor never saw this request.
    let executed = service.log_lines().into_iter().any(|line| {
        line["message"] == "execute_snippet" && line["span"]["request_id"] == "never-run-1"
    });
    assert!(!executed, "a refused program reached the executor");
}

#[test]
fn a_runtime_error_is_repaired_once() {
    let llm = TestLlm::start(&[
        Scripted::Reply("```python\nprint(10 / 0)\n```"),
        Scripted::Reply("```python\nprint(10 / 2)\n```"),
    ]);
    let service = Service::start(Some(&llm.url), &[]);
    let (code, answer) = service.query(&json!({"query": "Ten over two"}), None);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["status"], "ok", "{answer}");
    assert_eq!(answer["result"]["stdout"], "5.0\n");
    let attempts = answer["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 2);
    assert!(attempts[0]["runtime_error"]
        .as_str()
        .is_some_and(|e| e.contains("ZeroDivisionError")));
    let repair = messages(&llm.requests()[1]);
    assert!(repair
        .last()
        .expect("message")
        .1
        .contains("ZeroDivisionError"));
}

#[test]
fn inline_data_reaches_the_program() {
    let llm = TestLlm::start(&[Scripted::Reply(
        "```python\nimport csv\nrows = list(csv.DictReader(DATA.splitlines()))\nprint(sum(int(r['qty']) for r in rows))\n```",
    )]);
    let service = Service::start(Some(&llm.url), &[]);
    let data = "item,qty\napple,3\npear,4\n";
    let (code, answer) = service.query(&json!({"query": "Total quantity?", "data": data}), None);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["stdout"], "7\n", "{answer}");
    let sent = messages(&llm.requests()[0]);
    assert!(sent[1].1.contains("DATA") && sent[1].1.contains("item,qty"));
}

#[test]
fn a_server_error_from_the_llm_is_retried() {
    let llm = TestLlm::start(&[
        Scripted::Status(500),
        Scripted::Status(429),
        Scripted::Reply("```python\nprint('third time')\n```"),
    ]);
    let service = Service::start(Some(&llm.url), &[]);
    let (code, answer) = service.query(&json!({"query": "Try again"}), None);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["stdout"], "third time\n");
    assert_eq!(llm.requests().len(), 3);
}

#[test]
fn an_llm_that_keeps_failing_or_hangs_gives_a_clear_error_naming_it() {
    let failing = TestLlm::start(&[Scripted::Status(503), Scripted::Status(503)]);
    let service = Service::start(Some(&failing.url), &[("PYEXEC_LLM__MAX_RETRIES", "1")]);
    let (code, body) = service.query(&json!({"query": "Anything"}), None);
    assert_eq!(code, 502, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains(&failing.url) && message.contains("503"),
        "{message}"
    );
    assert_eq!(failing.requests().len(), 2);

    let slow = TestLlm::start(&[Scripted::Slow(
        Duration::from_secs(4),
        "```python\nprint(1)\n```",
    )]);
    let service = Service::start(Some(&slow.url), &[("PYEXEC_LLM__TIMEOUT_SECS", "1")]);
    let (code, body) = service.query(&json!({"query": "Anything"}), None);
    assert_eq!(code, 504, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains(&slow.url) && message.contains("within 1 s"),
        "{message}"
    );
}

#[test]
fn the_request_id_follows_the_query_into_the_executor() {
    let llm = TestLlm::start(&[Scripted::Reply("```python\nprint('traced')\n```")]);
    let service = Service::start(Some(&llm.url), &[]);
    let (code, answer) = service.query(&json!({"query": "Trace me"}), Some("trace-42"));
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["request_id"], "trace-42");
    assert_eq!(answer["result"]["request_id"], "trace-42");
    let lines = service.log_lines();
    let executor_lines: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("pyexec::executor"))
                && l["span"]["request_id"] == "trace-42"
        })
        .collect();
    assert!(
        executor_lines
            .iter()
            .any(|l| l["message"] == "execute_snippet"),
        "no executor log line carries the request id: {lines:?}"
    );
    assert!(lines.iter().any(|l| l["target"]
        .as_str()
        .is_some_and(|t| t.starts_with("pyexec::llm"))
        && l["span"]["request_id"] == "trace-42"));
}

#[test]
fn without_an_llm_queries_say_what_to_set_and_execution_still_works() {
    let service = Service::start(None, &[]);
    let (code, body) = service.query(&json!({"query": "Anything"}), None);
    assert_eq!(code, 503, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("llm.base_url") && message.contains("PYEXEC_LLM__BASE_URL"),
        "{message}"
    );
    let response: Value = ureq::post(&format!("{}/api/v1/execute_snippet", service.base))
        .send_json(json!({"code": "print(2 ** 10)"}))
        .expect("execute_snippet answers")
        .into_json()
        .expect("JSON");
    assert_eq!(response["stdout"], "1024\n");
    let health: Value = ureq::get(&format!("{}/api/v1/health", service.base))
        .call()
        .expect("health")
        .into_json()
        .expect("JSON");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["executor"]["reachable"], true, "{health}");
    assert_eq!(health["llm"]["reachable"], false, "{health}");
}

#[test]
fn bad_queries_get_clear_errors_and_the_api_is_documented() {
    let llm = TestLlm::start(&[]);
    let service = Service::start(Some(&llm.url), &[("PYEXEC_LLM__MAX_DATA_BYTES", "16")]);
    let url = format!("{}/api/v1/query", service.base);
    for (body, expect) in [
        (&b"{not json"[..], "invalid request"),
        (&b"{\"query\": \"q\", \"bogus\": 1}"[..], "unknown field"),
        (&b"{\"data\": \"x\"}"[..], "missing field"),
        (&b"{\"query\": \"   \"}"[..], "empty"),
        (
            &b"{\"query\": \"q\", \"data\": \"0123456789abcdefXYZ\"}"[..],
            "max_data_bytes",
        ),
        (&b"\xff\xfe"[..], "UTF-8"),
    ] {
        match ureq::post(&url)
            .set("content-type", "application/json")
            .send_bytes(body)
        {
            Err(ureq::Error::Status(400, response)) => {
                let body: Value = response.into_json().expect("JSON");
                let message = body["error"]["message"].as_str().unwrap_or_default();
                assert!(message.contains(expect), "{message} lacks {expect}");
            }
            other => panic!("expected 400 for {body:?}, got {other:?}"),
        }
    }
    assert!(llm.requests().is_empty(), "bad input reached the LLM");
    let doc: Value = ureq::get(&format!("{}/api/v1/openapi.json", service.base))
        .call()
        .expect("openapi")
        .into_json()
        .expect("JSON");
    assert!(doc["paths"]["/api/v1/query"]["post"].is_object(), "{doc}");
    let answer = &doc["components"]["schemas"]["QueryAnswer"]["properties"];
    for key in [
        "request_id",
        "code",
        "attempts",
        "tier",
        "reasons",
        "result",
        "timings",
    ] {
        assert!(
            answer[key].is_object(),
            "QueryAnswer.{key} is not documented"
        );
    }
}

#[test]
fn heavy_code_becomes_a_job_and_the_answer_can_wait_for_it() {
    let program = "```python\nimport pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})\ndf.to_csv('out.csv')\nprint(int(df['a'].sum()))\n```";
    let llm = TestLlm::start(&[Scripted::Reply(program), Scripted::Reply(program)]);
    let storage = tempfile::tempdir().expect("tempdir");
    let service = Service::start(
        Some(&llm.url),
        &[(
            "PYEXEC_STORAGE__ROOT",
            storage.path().to_str().expect("utf-8"),
        )],
    );
    // At once: the job and its status, no result yet required.
    let (code, answer) = service.query(&json!({"query": "Sum column a"}), Some("heavy-now"));
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["tier"], "heavy", "{answer}");
    assert!(!answer["reasons"].as_array().expect("reasons").is_empty());
    let job_id = answer["job"]["job_id"].as_str().expect("job id");
    assert!(job_id.starts_with("pyexec-heavy-now"), "{job_id}");
    // Waiting: the finished job and its result.
    let (code, answer) = service.query(
        &json!({"query": "Sum column a", "options": {"wait_secs": 120}}),
        Some("heavy-wait"),
    );
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["job"]["status"], "succeeded", "{answer}");
    assert_eq!(answer["result"]["stdout"], "6\n", "{answer}");
    let folder =
        std::path::PathBuf::from(answer["job"]["result_location"].as_str().expect("location"));
    assert!(folder.join("out.csv").is_file(), "{}", folder.display());
}

#[test]
fn an_oversized_llm_answer_is_refused_not_buffered() {
    let huge = TestLlm::start(&[Scripted::Huge(8 << 20)]);
    let service = Service::start(
        Some(&huge.url),
        &[
            ("PYEXEC_LLM__MAX_RESPONSE_BYTES", "1048576"),
            ("PYEXEC_LLM__MAX_RETRIES", "0"),
        ],
    );
    let (code, body) = service.query(&json!({"query": "Anything"}), None);
    assert_eq!(code, 502, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("llm.max_response_bytes"), "{message}");
}

/// What the fake executor does with each execution request.
#[derive(Clone, Copy)]
enum ExecutorMode {
    Busy,
    BadRequest,
    Stall,
    Huge,
}

/// An executor that answers every execution request as `mode` says; the LLM role cannot
/// tell it from the real one at the HTTP level.
fn fake_executor(mode: ExecutorMode) -> (String, tokio::runtime::Runtime) {
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
    let (addr, runtime) = common::serve_in_background(app);
    (format!("http://{addr}"), runtime)
}

#[test]
fn the_executors_answers_keep_their_meaning_and_a_stalled_executor_times_out() {
    let cases = [
        (ExecutorMode::Busy, 503, "busy", "busy"),
        (
            ExecutorMode::BadRequest,
            400,
            "bad_request",
            "above the configured maximum",
        ),
        (
            ExecutorMode::Stall,
            504,
            "upstream",
            "did not answer within 2 s",
        ),
        (
            ExecutorMode::Huge,
            502,
            "upstream",
            "llm.max_executor_response_bytes",
        ),
    ];
    for (mode, status, kind, says) in cases {
        let (executor_url, _runtime) = fake_executor(mode);
        let llm = TestLlm::start(&[Scripted::Reply("```python\nprint(1)\n```")]);
        let service = Service::start_role(
            "llm",
            Some(&llm.url),
            &[
                ("PYEXEC_LLM__EXECUTOR_URL", executor_url.as_str()),
                ("PYEXEC_LLM__EXECUTOR_TIMEOUT_SECS", "2"),
                ("PYEXEC_LLM__MAX_EXECUTOR_RESPONSE_BYTES", "1048576"),
            ],
        );
        let (code, body) = service.query(&json!({"query": "Anything"}), None);
        assert_eq!(code, status, "{body}");
        assert_eq!(body["error"]["kind"], kind, "{body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn serve_all_stops_within_its_grace_period_while_a_query_waits_on_the_llm() {
    let slow = TestLlm::start(&[Scripted::Slow(
        Duration::from_secs(60),
        "```python\nprint(1)\n```",
    )]);
    let mut service = Service::start(
        Some(&slow.url),
        &[
            ("PYEXEC_LLM__TIMEOUT_SECS", "120"),
            ("PYEXEC_EXECUTOR__SHUTDOWN_GRACE_SECS", "1"),
        ],
    );
    let url = format!("{}/api/v1/query", service.base);
    let query = std::thread::spawn(move || {
        ureq::post(&url)
            .send_json(json!({"query": "Anything"}))
            .is_ok()
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while slow.requests().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the query never reached the LLM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    common::stop(&mut service.child);
    // `stop` returned: the service exited although the LLM had not answered.
    assert!(
        !query.join().expect("thread"),
        "a query answered by an LLM that never replied"
    );
}
