//! The executor service end to end: the real binary, the real sandbox, real HTTP on 127.0.0.1.
//!
//! Each test starts its own `pyexec serve --role executor` on port 0 with sandboxes running as
//! a uid of its own, so processes left behind can be counted without seeing other tests'.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::executor::{pids_of, post_json, post_raw, processes_of, settle, steady, Service};
use serde_json::{json, Value};

fn header(source: &str, key: &str) -> Option<String> {
    source
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
        .map(|v| v.trim().to_owned())
}

/// The line every probe prints as its last act. A probe that exits on its own (`ok` or
/// `error`) without it stopped early (a typo, a crash on its first line) and proved nothing.
const PROBE_END: &str = "PROBE-END";

/// Whether `result` shows the probe ran to its end: the marker is in its standard output, or
/// that output was cut at the cap (then the marker was written past it).
fn reached_the_end(result: &Value) -> bool {
    result["stdout_truncated"] == true
        || result["stdout"]
            .as_str()
            .unwrap_or_default()
            .lines()
            .any(|line| line == PROBE_END)
}

fn probes() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/escape");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/escape exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}

#[test]
fn escape_probes_are_contained_by_the_os_layer_alone() {
    let service = Service::start(&["--no-validate", "--no-guards"], &[]);
    let baseline = settle(&service);
    assert_eq!(
        baseline,
        steady(&service),
        "one init, one zygote and one prepared child per slot"
    );
    let mut failures = Vec::new();
    let files = probes();
    assert!(files.len() >= 20, "the probe corpus is too small");
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = std::fs::read_to_string(&path).expect("probe readable");
        let expect =
            header(&source, "expect").unwrap_or_else(|| panic!("{name}: no expect header"));
        assert!(
            source.contains(&format!("print(\"{PROBE_END}\", flush=True)")),
            "{name}: a probe prints {PROBE_END} as its last act"
        );
        let timeout: f64 = header(&source, "timeout").map_or(2.0, |t| t.parse().expect("timeout"));
        let memory: u64 = header(&source, "memory-mb").map_or(128, |m| m.parse().expect("memory"));
        let runs = if name == "work_dir_persistence.py" {
            2
        } else {
            1
        };
        for run in 0..runs {
            let (code, result) = service.execute(&json!({
                "code": source,
                "request_id": format!("probe-{name}-{run}"),
                "limits": {"timeout_secs": timeout, "memory_mb": memory, "max_output_bytes": 65536},
            }));
            if code != 200 {
                failures.push(format!("{name}: HTTP {code}: {result}"));
                continue;
            }
            let status = result["status"].as_str().unwrap_or_default().to_owned();
            let allowed: Vec<&str> = expect.split('|').map(str::trim).collect();
            if !allowed.contains(&status.as_str()) {
                failures.push(format!(
                    "{name}: status {status}, expected {expect}; stderr: {}",
                    result["stderr"]
                        .as_str()
                        .unwrap_or_default()
                        .chars()
                        .take(600)
                        .collect::<String>()
                ));
            }
            if ["ok", "error"].contains(&status.as_str()) && !reached_the_end(&result) {
                failures.push(format!(
                    "{name}: status {status} without {PROBE_END}: the probe stopped early; stderr: {}",
                    result["stderr"]
                        .as_str()
                        .unwrap_or_default()
                        .chars()
                        .take(600)
                        .collect::<String>()
                ));
            }
            for stream in ["stdout", "stderr"] {
                let text = result[stream].as_str().unwrap_or_default();
                for line in text.lines().filter(|l| l.starts_with("ESCAPED")) {
                    failures.push(format!("{name}: {line}"));
                }
            }
            let left = settle(&service);
            if left != steady(&service) {
                failures.push(format!("{name}: {left} sandbox processes after the result"));
            }
            let health = service.health();
            if health["pool"]["slots"].as_u64() != Some(service.pool_size as u64) {
                failures.push(format!("{name}: health after the probe: {health}"));
            }
        }
    }
    // Still answering real work after every probe.
    let (code, result) = service.execute(&json!({"code": "print(sum(range(10)))"}));
    assert_eq!(code, 200);
    assert_eq!(result["stdout"], "45\n");
    assert!(
        failures.is_empty(),
        "escapes or wrong outcomes:\n{}",
        failures.join("\n")
    );
}

#[test]
fn concurrent_executions_cannot_see_each_other() {
    // Validation and the guards refuse file access; the lower layers are checked alone.
    let raw = Service::start(&["--no-validate", "--no-guards"], &[]);
    let program = |tag: &str| {
        format!(
            "import os, time\n\
             open('/work/{tag}', 'w').write('{tag}')\n\
             time.sleep(0.6)\n\
             print(sorted(os.listdir('/work')), os.getpid())\n"
        )
    };
    let url = raw.url("/api/v1/execute_snippet");
    let handles: Vec<_> = ["alpha", "beta"]
        .into_iter()
        .map(|tag| {
            let url = url.clone();
            let body = json!({"code": program(tag)});
            std::thread::spawn(move || (tag, post_json(&url, &body)))
        })
        .collect();
    for handle in handles {
        let (tag, (code, result)) = handle.join().expect("thread");
        assert_eq!(code, 200, "{result}");
        assert_eq!(result["status"], "ok", "{result}");
        let stdout = result["stdout"].as_str().unwrap_or_default();
        assert!(
            stdout.starts_with(&format!("['{tag}']")),
            "{tag} saw {stdout}"
        );
    }
    // A later execution in the same slots sees an empty work folder.
    let (_, result) = raw.execute(&json!({"code": "import os\nprint(os.listdir('/work'))"}));
    assert_eq!(result["stdout"], "[]\n", "{result}");
}

#[test]
fn bad_input_gets_clear_errors_and_the_service_stays_healthy() {
    let service = Service::start(&[], &[("PYEXEC_SERVER__MAX_BODY_BYTES", "100000")]);
    let url = service.url("/api/v1/execute_snippet");
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("malformed JSON", b"{\"code\": ".to_vec(), 400),
        ("missing code", b"{}".to_vec(), 400),
        (
            "unknown field",
            br#"{"code": "print(1)", "no_guards": true}"#.to_vec(),
            400,
        ),
        (
            "invalid UTF-8",
            b"{\"code\": \"print(\xff)\"}".to_vec(),
            400,
        ),
        (
            "too large",
            format!("{{\"code\": \"{}\"}}", "x".repeat(200_000)).into_bytes(),
            413,
        ),
        (
            "limit too high",
            br#"{"code": "print(1)", "limits": {"memory_mb": 999999}}"#.to_vec(),
            400,
        ),
        (
            "negative timeout",
            br#"{"code": "print(1)", "limits": {"timeout_secs": -1}}"#.to_vec(),
            400,
        ),
        (
            "heavy tier here",
            br#"{"code": "print(1)", "tier": "heavy"}"#.to_vec(),
            400,
        ),
    ];
    for (what, body, expected) in cases {
        let (code, error) = post_raw(&url, &body, &[("x-request-id", "bad-input-1")]);
        assert_eq!(code, expected, "{what}: {error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {error}"
        );
        assert_eq!(error["error"]["request_id"], "bad-input-1", "{what}");
    }
    let health = service.health();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["pool"]["ready"], 2, "{health}");
    assert!(health["version"].is_string());
    // The request id is honoured and returned.
    let response = ureq::post(&url)
        .set("x-request-id", "my-id-42")
        .send_json(json!({"code": "print(1 + 1)"}))
        .expect("answers");
    assert_eq!(response.header("x-request-id"), Some("my-id-42"));
    let result: Value = response.into_json().expect("JSON");
    assert_eq!(result["request_id"], "my-id-42");
    assert_eq!(result["stdout"], "2\n");
    assert_eq!(result["status"], "ok");
    for layer in [
        "validator",
        "guards",
        "namespaces",
        "landlock",
        "seccomp",
        "cgroup",
    ] {
        assert!(
            result["layers"]
                .as_array()
                .is_some_and(|l| l.iter().any(|x| x == layer)),
            "{layer}: {result}"
        );
    }
}

#[test]
fn outcomes_are_reported_as_results() {
    let service = Service::start(&[], &[]);
    let cases = [
        ("print('hi')", "ok"),
        ("raise ValueError('boom')", "error"),
        ("import os\nos.system('id')", "rejected"),
        ("import time\ntime.sleep(30)", "timeout"),
        ("x = 'y' * (1 << 31)", "memory_limit"),
        ("print('x' * 5000000)", "ok"),
    ];
    for (code, expected) in cases {
        let (status, result) = service.execute(&json!({
            "code": code,
            "limits": {"timeout_secs": 1.5, "memory_mb": 128, "max_output_bytes": 100000},
        }));
        assert_eq!(status, 200, "{code}: {result}");
        assert_eq!(result["status"], expected, "{code}: {result}");
        if expected == "rejected" {
            let codes: Vec<&str> = result["findings"]
                .as_array()
                .map(|f| f.iter().filter_map(|x| x["code"].as_str()).collect())
                .unwrap_or_default();
            assert!(codes.contains(&"PX101"), "{result}");
        }
    }
    let (_, flood) = service
        .execute(&json!({"code": "print('x' * 5000000)", "limits": {"max_output_bytes": 1000}}));
    assert_eq!(flood["stdout_truncated"], true, "{flood}");
    assert_eq!(flood["stdout"].as_str().map(str::len), Some(1000));
}

#[test]
fn a_full_queue_answers_busy_with_retry_after() {
    let service = Service::start(
        &[],
        &[
            ("PYEXEC_EXECUTOR__POOL_SIZE", "1"),
            ("PYEXEC_EXECUTOR__MAX_QUEUE", "0"),
        ],
    );
    let url = service.url("/api/v1/execute_snippet");
    let slow = service.occupy(1.5, "slow");
    let response = ureq::post(&url).send_json(json!({"code": "print(1)"}));
    match response {
        Err(ureq::Error::Status(503, response)) => {
            assert_eq!(response.header("retry-after"), Some("1"));
            let body: Value = response.into_json().expect("JSON");
            assert_eq!(body["error"]["kind"], "busy", "{body}");
        }
        other => panic!("expected 503, got {other:?}"),
    }
    let (code, result) = slow.join().expect("thread");
    assert_eq!(code, 200);
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["stdout"], "slow\n", "{result}");
    // And it recovers.
    let (code, result) = service.execute(&json!({"code": "print(3)"}));
    assert_eq!((code, result["stdout"].as_str()), (200, Some("3\n")));
}

#[test]
fn sigterm_lets_in_flight_work_finish_then_exits_cleanly() {
    let mut service = Service::start(&[], &[]);
    let url = service.url("/api/v1/execute_snippet");
    let slow = std::thread::spawn(move || {
        post_json(
            &url,
            &json!({"code": "import time\ntime.sleep(1)\nprint('finished')"}),
        )
    });
    service.wait_busy();
    service.terminate();
    let (code, result) = slow.join().expect("thread");
    assert_eq!(code, 200, "{result}");
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["stdout"], "finished\n");
    assert_eq!(service.wait_exit(Duration::from_secs(10)), Some(0));
    assert_eq!(
        processes_of(service.uid),
        0,
        "sandbox processes outlived the service"
    );
    // And it no longer accepts work.
    assert!(ureq::get(&service.url("/api/v1/health")).call().is_err());
}

#[test]
fn sigterm_kills_work_that_outlasts_the_grace_period() {
    let mut service = Service::start(&[], &[("PYEXEC_EXECUTOR__SHUTDOWN_GRACE_SECS", "1")]);
    let url = service.url("/api/v1/execute_snippet");
    let slow = std::thread::spawn(move || {
        post_json(
            &url,
            &json!({"code": "import time\ntime.sleep(30)", "limits": {"timeout_secs": 40}}),
        )
    });
    service.wait_busy();
    let signalled = Instant::now();
    service.terminate();
    let (code, result) = slow.join().expect("thread");
    // The grace period is 1 s: the 30 s sleep was cut short, with an answer, not a hang-up.
    assert!(
        signalled.elapsed() < Duration::from_secs(20),
        "not killed at the grace period"
    );
    assert_eq!(code, 503, "{result}");
    assert_eq!(result["error"]["kind"], "shutdown", "{result}");
    assert_eq!(service.wait_exit(Duration::from_secs(10)), Some(0));
    assert_eq!(
        processes_of(service.uid),
        0,
        "sandbox processes outlived the service"
    );
}

#[test]
fn slots_that_die_are_replaced() {
    let service = Service::start(&[], &[]);
    assert_eq!(settle(&service), steady(&service));
    // Idle slots killed from outside come back without any request asking.
    service.kill_sandboxes();
    assert_eq!(settle(&service), steady(&service));
    // A slot killed under a running execution: its code had started, so it is answered as
    // failed, not run a second time, and the slot is replaced.
    let url = service.url("/api/v1/execute_snippet");
    let request = std::thread::spawn(move || {
        post_json(
            &url,
            &json!({"code": "import time\ntime.sleep(0.5)\nprint('once')"}),
        )
    });
    service.wait_busy();
    service.kill_sandboxes();
    let (code, result) = request.join().expect("thread");
    assert_eq!(code, 500, "{result}");
    assert_eq!(result["status"], "internal_error", "{result}");
    assert!(
        result["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e == "not retried: the code had started")),
        "{result}"
    );
    assert_eq!(settle(&service), steady(&service));
    assert_eq!(service.health()["status"], "ok");
}

#[test]
fn exhausted_retries_say_what_failed_each_time() {
    let service = Service::start(&[], &[("PYEXEC_EXECUTOR__MAX_RETRIES", "1")]);
    assert_eq!(settle(&service), steady(&service));
    // Kill the slots, then keep killing the replacement while the request retries.
    let url = service.url("/api/v1/execute_snippet");
    service.kill_sandboxes();
    let request = std::thread::spawn(move || {
        post_json(
            &url,
            &json!({"code": "print('never')", "request_id": "doomed"}),
        )
    });
    let uid = service.uid;
    let deadline = Instant::now() + Duration::from_secs(4);
    while !request.is_finished() && Instant::now() < deadline {
        for pid in pids_of(uid) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let (code, result) = request.join().expect("thread");
    assert_eq!(code, 500, "{result}");
    assert_eq!(result["status"], "internal_error", "{result}");
    assert_eq!(result["request_id"], "doomed");
    // One error per attempt; an attempt whose code had started ends the retries.
    let errors: Vec<&str> = result["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(errors[0].starts_with("attempt 1:"), "{result}");
    let attempts = errors.iter().filter(|e| e.starts_with("attempt ")).count();
    assert!((1..=2).contains(&attempts), "{result}");
    for (i, error) in errors.iter().enumerate() {
        let numbered = error.starts_with(&format!("attempt {}:", i + 1));
        let last_stop = i + 1 == errors.len() && *error == "not retried: the code had started";
        assert!(numbered || last_stop, "{result}");
    }
    // The service itself is fine and serves the next request on fresh slots.
    let (code, result) = service.execute(&json!({"code": "print(2)"}));
    assert_eq!(
        (code, result["stdout"].as_str()),
        (200, Some("2\n")),
        "{result}"
    );
}
