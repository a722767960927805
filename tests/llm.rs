//! The LLM role end to end: `pyexec serve --role all` (LLM and executor roles, talking over
//! loopback HTTP, real sandbox) against a scripted OpenAI-compatible server that runs in this
//! test on 127.0.0.1 and records every request it gets.

mod common;

use std::time::Duration;

use common::app::{spawn, App, Options, Role};
use common::fake_executor::{fake_executor, ExecutorMode};
use common::fake_llm::{Scripted, TestLlm};
use serde_json::{json, Value};

/// The `all` role (LLM and executor in one process) with the LLM at `llm_url`, if any.
fn start(llm_url: Option<&str>, env: &[(&str, &str)]) -> App {
    start_role(Role::All, llm_url, env)
}

fn start_role(role: Role, llm_url: Option<&str>, env: &[(&str, &str)]) -> App {
    let mut options = Options::default();
    if let Some(url) = llm_url {
        options = options.env(&[("PYEXEC_LLM__BASE_URL", url)]);
    }
    spawn(role, options.env(env))
}

trait Query {
    /// `POST /api/v1/query`, with `X-Request-ID` when given.
    fn query(&self, body: &Value, request_id: Option<&str>) -> (u16, Value);
}

impl Query for App {
    fn query(&self, body: &Value, request_id: Option<&str>) -> (u16, Value) {
        let headers: Vec<(&str, &str)> = request_id
            .map(|id| ("x-request-id", id))
            .into_iter()
            .collect();
        self.post("/api/v1/query", body, &headers)
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
    let service = start(Some(&llm.url), &[]);
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
    let service = start(Some(&llm.url), &[]);
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
    let service = start(Some(&llm.url), &[("PYEXEC_LLM__MAX_CORRECTIONS", "2")]);
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
    let service = start(Some(&llm.url), &[]);
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
    let service = start(Some(&llm.url), &[]);
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
    let service = start(Some(&llm.url), &[]);
    let (code, answer) = service.query(&json!({"query": "Try again"}), None);
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["stdout"], "third time\n");
    assert_eq!(llm.requests().len(), 3);
}

#[test]
fn an_llm_that_keeps_failing_or_hangs_gives_a_clear_error_naming_it() {
    let failing = TestLlm::start(&[Scripted::Status(503), Scripted::Status(503)]);
    let service = start(Some(&failing.url), &[("PYEXEC_LLM__MAX_RETRIES", "1")]);
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
    let service = start(Some(&slow.url), &[("PYEXEC_LLM__TIMEOUT_SECS", "1")]);
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
    let service = start(Some(&llm.url), &[]);
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
    let service = start(None, &[]);
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
    let service = start(Some(&llm.url), &[("PYEXEC_LLM__MAX_DATA_BYTES", "16")]);
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
    let service = start(
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
    let service = start(
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
        let service = start_role(
            Role::Llm,
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
    let mut service = start(
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
    common::poll(Duration::from_secs(10), Duration::from_millis(20), || {
        if slow.requests().is_empty() {
            Err("the query never reached the LLM".to_owned())
        } else {
            Ok(())
        }
    });
    common::stop(&mut service.child);
    // `stop` returned: the service exited although the LLM had not answered.
    assert!(
        !query.join().expect("thread"),
        "a query answered by an LLM that never replied"
    );
}

/// Review finding: the LLM role used to call the executor as one caller, so two users with
/// the same request id shared one heavy job (and its result). It now acts for each user:
/// their jobs, queues and limits are their own.
#[test]
fn users_of_the_llm_role_with_the_same_request_id_get_their_own_heavy_jobs() {
    let alice =
        "```python\nimport pandas as pd\nprint('ALICE-' + str(int(pd.Series([1, 2]).sum())))\n```";
    let bob =
        "```python\nimport pandas as pd\nprint('BOB-' + str(int(pd.Series([3, 4]).sum())))\n```";
    let llm = TestLlm::start(&[Scripted::Reply(alice), Scripted::Reply(bob)]);
    let mut config = String::from("[auth]\nrate_per_sec = 0\n");
    for user in ["alice", "bob"] {
        config.push_str(&common::api_key(user, &["query"], ""));
    }
    let service = spawn(
        Role::All,
        Options::default()
            .env(&[("PYEXEC_LLM__BASE_URL", &llm.url)])
            .config(config),
    );
    let ask = |key: &str| -> Value {
        let response = ureq::post(&service.url("/api/v1/query"))
            .set("authorization", &format!("Bearer {key}"))
            .set("x-request-id", "same-id-1")
            .send_json(json!({"query": "sum", "options": {"wait_secs": 120}}))
            .expect("query answered");
        response.into_json().expect("JSON")
    };
    let first = ask("alice-key");
    let second = ask("bob-key");
    assert_eq!(first["tier"], "heavy", "{first}");
    assert_eq!(first["result"]["stdout"], "ALICE-3\n", "{first}");
    assert_eq!(second["result"]["stdout"], "BOB-7\n", "{second}");
    assert_ne!(first["job"]["job_id"], second["job"]["job_id"]);
    // Users of the LLM role are the executor's callers as the LLM role knows them.
    assert_eq!(first["job"]["owner"], "internal:llm-role/key:alice");
    assert_eq!(second["job"]["owner"], "internal:llm-role/key:bob");
    assert_ne!(
        first["job"]["result_location"],
        second["job"]["result_location"]
    );
}
