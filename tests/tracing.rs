//! Traces and error logs across the roles (issue 13, points 5 and 6).
//!
//! An OTLP/HTTP receiver runs in this test on 127.0.0.1 and decodes what the roles export
//! (protobuf with the protocol's own message types, or JSON). A query goes through the LLM
//! role (a scripted LLM), the executor role and a heavy job run by `pyexec job-run` (local
//! backend); the test asserts one trace with the expected parent/child spans, that an
//! incoming `traceparent` is continued, that log lines carry the trace id (export on and
//! off), and that a panicking handler is answered 500 in the error contract, logged with a
//! backtrace, and leaves the service serving.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::app::{spawn, App, Options, Role};
use common::fake_llm::{Scripted, TestLlm};
use prost::Message as _;
use serde_json::{json, Value};

/// One exported span, from either encoding.
#[derive(Debug, Clone)]
struct Span {
    service: String,
    name: String,
    trace_id: String,
    span_id: String,
    parent: String,
}

/// The in-test OTLP/HTTP receiver: `POST /v1/traces`, both encodings.
struct Receiver {
    url: String,
    spans: Arc<Mutex<Vec<Span>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    fn start() -> Self {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(Arc::clone(&spans));
        let (addr, runtime) = common::serve_in_background(app);
        Self {
            url: format!("http://{addr}"),
            spans,
            _runtime: runtime,
        }
    }

    fn spans(&self) -> Vec<Span> {
        self.spans.lock().expect("lock").clone()
    }

    /// Waits until `done` holds for the spans received (the roles export in batches).
    fn wait_for(&self, what: &str, done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
        common::poll(Duration::from_secs(60), Duration::from_millis(100), || {
            let spans = self.spans();
            if done(&spans) {
                Ok(spans)
            } else {
                Err(format!("{what}; received: {:#?}", summary(&spans)))
            }
        })
    }
}

fn summary(spans: &[Span]) -> Vec<String> {
    spans
        .iter()
        .map(|s| {
            format!(
                "{} {} {} {} <- {}",
                s.trace_id, s.service, s.name, s.span_id, s.parent
            )
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn receive(
    State(spans): State<Arc<Mutex<Vec<Span>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let decoded = if json {
        decode_json(&body)
    } else {
        decode_protobuf(&body)
    };
    match decoded {
        Some(mut decoded) => {
            spans.lock().expect("lock").append(&mut decoded);
            StatusCode::OK
        }
        None => StatusCode::BAD_REQUEST,
    }
}

fn decode_protobuf(body: &[u8]) -> Option<Vec<Span>> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    let request = ExportTraceServiceRequest::decode(body).ok()?;
    let mut out = Vec::new();
    for resource in request.resource_spans {
        let service = resource
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
                Any::StringValue(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for scope in resource.scope_spans {
            for span in scope.spans {
                out.push(Span {
                    service: service.clone(),
                    name: span.name,
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent: hex(&span.parent_span_id),
                });
            }
        }
    }
    Some(out)
}

/// OTLP/JSON: ids are hex strings (the protocol's JSON mapping).
fn decode_json(body: &[u8]) -> Option<Vec<Span>> {
    let request: Value = serde_json::from_slice(body).ok()?;
    let mut out = Vec::new();
    for resource in request["resourceSpans"].as_array()? {
        let service = resource["resource"]["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["key"] == "service.name")
            .and_then(|a| a["value"]["stringValue"].as_str())
            .unwrap_or_default()
            .to_owned();
        for scope in resource["scopeSpans"].as_array()? {
            for span in scope["spans"].as_array()? {
                let text = |key: &str| span[key].as_str().unwrap_or_default().to_lowercase();
                out.push(Span {
                    service: service.clone(),
                    name: span["name"].as_str().unwrap_or_default().to_owned(),
                    trace_id: text("traceId"),
                    span_id: text("spanId"),
                    parent: text("parentSpanId"),
                });
            }
        }
    }
    Some(out)
}

/// An executor and an LLM role (with `llm` as its model) exporting to `receiver` with
/// `protocol`, or not exporting at all.
fn roles(llm: &TestLlm, receiver: Option<(&Receiver, &str)>) -> (App, App) {
    let export = |options: Options| match receiver {
        Some((receiver, protocol)) => options.env(&[
            ("PYEXEC_TELEMETRY__OTLP_ENDPOINT", &receiver.url),
            ("PYEXEC_TELEMETRY__OTLP_PROTOCOL", protocol),
            ("PYEXEC_TELEMETRY__EXPORT_INTERVAL_MS", "100"),
        ]),
        None => options,
    };
    let executor = spawn(
        Role::Executor,
        // The runner inherits the executor's environment: its spans go to the same place.
        // Its heavy runtime is scripts/setup-heavy-runtime.sh's (the program is plain Python).
        export(Options::default()),
    );
    let llm_role = spawn(
        Role::Llm,
        export(Options::default()).env(&[
            ("PYEXEC_LLM__BASE_URL", &llm.url),
            ("PYEXEC_LLM__EXECUTOR_URL", &executor.base),
        ]),
    );
    (executor, llm_role)
}

/// A program the classifier finds heavy (a loop of 10^8 iterations) that ends at once.
const HEAVY_REPLY: &str =
    "```python\nfor i in range(10**8):\n    break\nprint(\"heavy done\")\n```";

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

fn ask_heavy(llm_role: &App, request_id: &str, traceparent: Option<&str>) -> Value {
    let mut headers = vec![("x-request-id", request_id)];
    if let Some(traceparent) = traceparent {
        headers.push(("traceparent", traceparent));
    }
    let (status, answer) = llm_role.post(
        "/api/v1/query",
        &json!({"query": "a heavy question", "options": {"wait_secs": 120}}),
        &headers,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["tier"], "heavy", "{answer}");
    assert_eq!(answer["job"]["status"], "succeeded", "{answer}");
    assert_eq!(answer["result"]["stdout"], "heavy done\n", "{answer}");
    answer
}

fn find<'s>(spans: &'s [Span], service: &str, name: &str) -> Vec<&'s Span> {
    spans
        .iter()
        .filter(|s| s.service == service && s.name == name)
        .collect()
}

fn one<'s>(spans: &'s [Span], service: &str, name: &str) -> &'s Span {
    let found = find(spans, service, name);
    assert_eq!(
        found.len(),
        1,
        "one {service} span {name:?} expected; spans: {:#?}",
        summary(spans)
    );
    found[0]
}

/// The parent of `child` is `parent`.
fn assert_child(spans: &[Span], child: &Span, parent: &Span) {
    assert_eq!(
        child.parent,
        parent.span_id,
        "{} {} should be a child of {} {}; spans: {:#?}",
        child.service,
        child.name,
        parent.service,
        parent.name,
        summary(spans)
    );
}

#[test]
fn one_trace_follows_a_query_through_the_llm_role_the_executor_and_a_heavy_job() {
    let receiver = Receiver::start();
    let llm = TestLlm::start(&[Scripted::Reply(HEAVY_REPLY)]);
    let (executor, llm_role) = roles(&llm, Some((&receiver, "http/protobuf")));
    let traceparent = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    ask_heavy(&llm_role, "trace-heavy-1", Some(&traceparent));

    let spans = receiver.wait_for("the runner's and both roles' spans", |spans| {
        let has = |service: &str, name: &str| !find(spans, service, name).is_empty();
        has("pyexec-job-run", "job-run")
            && has("pyexec-job-run", "execution")
            && has("pyexec-executor", "job")
            && has("pyexec-llm", "POST /api/v1/query")
    });
    // One trace: the caller's.
    let traces: std::collections::BTreeSet<&str> =
        spans.iter().map(|s| s.trace_id.as_str()).collect();
    assert_eq!(
        traces.into_iter().collect::<Vec<_>>(),
        [CALLER_TRACE],
        "{:#?}",
        summary(&spans)
    );

    // The LLM role: the query continues the caller's span.
    let query = one(&spans, "pyexec-llm", "POST /api/v1/query");
    assert_eq!(query.parent, CALLER_SPAN);
    let generation = one(&spans, "pyexec-llm", "generation");
    assert_child(&spans, generation, query);
    let validation = find(&spans, "pyexec-llm", "validation");
    assert!(!validation.is_empty(), "{:#?}", summary(&spans));
    assert_child(&spans, validation[0], query);
    let classification = find(&spans, "pyexec-llm", "classification");
    assert!(!classification.is_empty(), "{:#?}", summary(&spans));
    assert_child(&spans, classification[0], validation[0]);
    let job = one(&spans, "pyexec-llm", "job");
    assert_child(&spans, job, query);
    let create_call = one(&spans, "pyexec-llm", "POST /api/v1/create_heavy_job");
    assert_child(&spans, create_call, job);
    let wait_call = one(&spans, "pyexec-llm", "GET /api/v1/jobs/{job_id}");
    assert_child(&spans, wait_call, job);

    // The executor: its requests are children of the LLM role's calls.
    let create = one(&spans, "pyexec-executor", "POST /api/v1/create_heavy_job");
    assert_child(&spans, create, create_call);
    let wait = one(&spans, "pyexec-executor", "GET /api/v1/jobs/{job_id}");
    assert_child(&spans, wait, wait_call);
    let executor_job = one(&spans, "pyexec-executor", "job");
    assert_child(&spans, executor_job, create);

    // The heavy job's runner continues the job's span, in another process.
    let run = one(&spans, "pyexec-job-run", "job-run");
    assert_child(&spans, run, executor_job);
    let run_validation = one(&spans, "pyexec-job-run", "validation");
    assert_child(&spans, run_validation, run);
    let self_test = one(&spans, "pyexec-job-run", "sandbox self-test");
    assert_child(&spans, self_test, run);
    let executions = find(&spans, "pyexec-job-run", "execution");
    assert_eq!(
        executions.len(),
        2,
        "the self-test's and the job's: {:#?}",
        summary(&spans)
    );
    let (job_execution, test_execution): (Vec<&Span>, Vec<&Span>) = executions
        .into_iter()
        .partition(|s| s.parent == run.span_id);
    assert_eq!(job_execution.len(), 1, "{:#?}", summary(&spans));
    assert_child(&spans, test_execution[0], self_test);

    // Every log line inside the query carries the trace id, in both roles and the runner.
    for (app, role) in [(&llm_role, "llm"), (&executor, "executor")] {
        let lines: Vec<Value> = app
            .log_lines()
            .into_iter()
            .filter(|l| l["span"]["request_id"] == "trace-heavy-1")
            .collect();
        assert!(!lines.is_empty(), "{role}: no line of the request");
        for line in &lines {
            assert_eq!(line["span"]["trace_id"], CALLER_TRACE, "{role}: {line}");
            assert_eq!(line["span"]["role"], role, "{line}");
            assert!(line["span"]["operation"].is_string(), "{line}");
        }
    }
    let runner_lines = runner_log_lines(&executor);
    assert!(!runner_lines.is_empty());
    for line in &runner_lines {
        if line["span"].is_object() {
            assert_eq!(line["span"]["trace_id"], CALLER_TRACE, "runner: {line}");
            assert_eq!(line["span"]["role"], "job-run", "runner: {line}");
        }
    }
    assert!(
        runner_lines
            .iter()
            .any(|l| l["message"] == "job finished" && l["span"]["trace_id"] == CALLER_TRACE),
        "{runner_lines:#?}"
    );
}

/// The JSON lines of every job runner's log (`runner.log`) in the executor's state folder.
fn runner_log_lines(executor: &App) -> Vec<Value> {
    let jobs = executor.workspace.state().join("jobs");
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(&jobs).expect("jobs folder") {
        let log = entry.expect("entry").path().join("runner.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        lines.extend(
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok()),
        );
    }
    lines
}

#[test]
fn a_query_without_traceparent_starts_one_trace_exported_as_json() {
    let receiver = Receiver::start();
    let llm = TestLlm::start(&[Scripted::Reply("```python\nprint(6 * 7)\n```")]);
    let (_executor, llm_role) = roles(&llm, Some((&receiver, "http/json")));
    let (status, answer) = llm_role.post(
        "/api/v1/query",
        &json!({"query": "six times seven"}),
        &[
            ("x-request-id", "trace-light-1"),
            ("traceparent", "00-not-a-trace-01"),
        ],
    );
    assert_eq!(status, 200, "a malformed traceparent is ignored: {answer}");
    assert_eq!(answer["result"]["stdout"], "42\n", "{answer}");
    let spans = receiver.wait_for("the executor's execution span", |spans| {
        !find(spans, "pyexec-executor", "execution").is_empty()
            && !find(spans, "pyexec-llm", "POST /api/v1/query").is_empty()
    });
    let query = one(&spans, "pyexec-llm", "POST /api/v1/query");
    assert!(
        query.parent.is_empty(),
        "a new trace starts at the query: {query:?}"
    );
    let call = one(&spans, "pyexec-llm", "POST /api/v1/execute_snippet");
    let execute = one(&spans, "pyexec-executor", "POST /api/v1/execute_snippet");
    assert_child(&spans, execute, call);
    let execution = one(&spans, "pyexec-executor", "execution");
    assert_child(&spans, execution, execute);
    let by_trace: HashMap<&str, usize> = spans.iter().fold(HashMap::new(), |mut m, s| {
        *m.entry(s.trace_id.as_str()).or_default() += 1;
        m
    });
    assert_eq!(by_trace.len(), 1, "{:#?}", summary(&spans));
    assert_eq!(by_trace.keys().next(), Some(&query.trace_id.as_str()));
}

#[test]
fn with_export_off_the_incoming_trace_id_still_reaches_every_log_line_and_the_job() {
    let llm = TestLlm::start(&[Scripted::Reply(HEAVY_REPLY)]);
    let (executor, llm_role) = roles(&llm, None);
    let traceparent = format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01");
    ask_heavy(&llm_role, "trace-off-1", Some(&traceparent));
    for (app, role) in [(&llm_role, "llm"), (&executor, "executor")] {
        let lines: Vec<Value> = app
            .log_lines()
            .into_iter()
            .filter(|l| l["span"]["request_id"] == "trace-off-1")
            .collect();
        assert!(!lines.is_empty(), "{role}: no line of the request");
        for line in &lines {
            assert_eq!(line["span"]["trace_id"], CALLER_TRACE, "{role}: {line}");
        }
        // No OpenTelemetry fields in the logs when nothing is exported.
        assert!(lines.iter().all(|l| l["span"].get("otel.name").is_none()));
    }
    let runner_lines = runner_log_lines(&executor);
    assert!(
        runner_lines
            .iter()
            .any(|l| l["message"] == "job finished" && l["span"]["trace_id"] == CALLER_TRACE),
        "{runner_lines:#?}"
    );
}

#[test]
fn a_request_without_traceparent_gets_a_trace_id_in_its_logs_with_export_off() {
    let executor = spawn(Role::Executor, Options::default());
    let (status, result) = executor.post(
        "/api/v1/execute_snippet",
        &json!({"code": "raise ValueError('bad input')"}),
        &[("x-request-id", "trace-new-1")],
    );
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["status"], "error", "{result}");
    // The traceback starts at the user's code: no frame of the sandbox.
    let stderr = result["stderr"].as_str().expect("stderr");
    assert!(
        stderr.starts_with("Traceback (most recent call last):\n  File \"<snippet>\", line 1"),
        "{stderr}"
    );
    assert!(stderr.ends_with("ValueError: bad input\n"), "{stderr}");
    let lines: Vec<Value> = executor
        .log_lines()
        .into_iter()
        .filter(|l| l["span"]["request_id"] == "trace-new-1")
        .collect();
    let trace_ids: std::collections::BTreeSet<String> = lines
        .iter()
        .map(|l| {
            l["span"]["trace_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(trace_ids.len(), 1, "{lines:#?}");
    let trace_id = trace_ids.into_iter().next().unwrap_or_default();
    assert!(pyexec::telemetry::is_trace_id(&trace_id), "{trace_id:?}");
    // The failure is in the log, with the traceback.
    let failed = lines
        .iter()
        .find(|l| l["message"] == "the program failed")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let traceback = failed["traceback"].as_str().expect("traceback");
    assert!(
        traceback.contains("File \"<snippet>\", line 1"),
        "{traceback}"
    );
    assert!(traceback.ends_with("ValueError: bad input"), "{traceback}");
}
