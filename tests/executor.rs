//! The executor service end to end: the real binary, the real sandbox, real HTTP on 127.0.0.1.
//!
//! Each test starts its own `pyexec serve --role executor` on port 0 with sandboxes running as
//! a uid of its own, so processes left behind can be counted without seeing other tests'.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

static NEXT_UID: AtomicU32 = AtomicU32::new(0);

struct Service {
    child: Child,
    base: String,
    uid: u32,
    pool_size: usize,
}

impl Service {
    fn start(extra_args: &[&str], env: &[(&str, &str)]) -> Self {
        // Distinct per test process and per service within it.
        let uid =
            62000 + (std::process::id() % 1000) * 10 + NEXT_UID.fetch_add(1, Ordering::SeqCst);
        let pool_size = env
            .iter()
            .find(|(k, _)| *k == "PYEXEC_EXECUTOR__POOL_SIZE")
            .map_or(2, |(_, v)| v.parse().expect("pool size"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyexec"));
        command
            .args(["serve", "--role", "executor", "--listen", "127.0.0.1:0"])
            .args(extra_args)
            .env("PYEXEC_EXECUTOR__SANDBOX__UID", uid.to_string())
            .env("PYEXEC_EXECUTOR__SANDBOX__GID", uid.to_string())
            .env("PYEXEC_EXECUTOR__POOL_SIZE", pool_size.to_string())
            .env("PYEXEC_LOG__FORMAT", "json")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("pyexec starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            child,
            base: format!("http://{addr}"),
            uid,
            pool_size,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn execute(&self, body: &Value) -> (u16, Value) {
        post_json(&self.url("/api/v1/execute_snippet"), body)
    }

    /// The health document, whether the service is ready (200) or not (503).
    fn health(&self) -> Value {
        match ureq::get(&self.url("/api/v1/health")).call() {
            Ok(response) | Err(ureq::Error::Status(503, response)) => {
                response.into_json().expect("health is JSON")
            }
            Err(err) => panic!("health does not answer: {err}"),
        }
    }

    /// Live (not zombie) processes running as this service's sandbox uid.
    fn sandbox_processes(&self) -> usize {
        processes_of(self.uid)
    }
}

impl Service {
    fn terminate(&self) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("SIGTERM");
    }

    /// Waits for the service to exit and returns its exit code.
    fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the service did not exit within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_busy(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.health()["pool"]["busy"] != 1 {
            assert!(Instant::now() < deadline, "the execution never started");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILLs every sandbox process of this service: each slot's init, zygote and child.
    /// Returns once they are gone (the supervisor may already have started replacements).
    fn kill_sandboxes(&self) {
        let pids = pids_of(self.uid);
        assert!(!pids.is_empty(), "no sandbox processes to kill");
        for &pid in &pids {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while pids_of(self.uid).iter().any(|p| pids.contains(p)) {
            assert!(
                Instant::now() < deadline,
                "sandbox processes survived SIGKILL"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        common::stop(&mut self.child);
    }
}

fn processes_of(uid: u32) -> usize {
    pids_of(uid).len()
}

/// Live (not zombie) processes running as `uid`.
fn pids_of(uid: u32) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let zombie = status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'));
        let owner = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|u| u.parse::<u32>().ok());
        if owner == Some(uid) && !zombie {
            if let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
                pids.push(pid);
            }
        }
    }
    pids
}

fn post_json(url: &str, body: &Value) -> (u16, Value) {
    post_raw(url, body.to_string().as_bytes(), &[])
}

fn post_raw(url: &str, body: &[u8], headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = ureq::post(url).set("content-type", "application/json");
    for (k, v) in headers {
        request = request.set(k, v);
    }
    match request.send_bytes(body) {
        Ok(response) => (response.status(), response.into_json().expect("JSON body")),
        Err(ureq::Error::Status(code, response)) => {
            (code, response.into_json().expect("JSON error body"))
        }
        Err(err) => panic!("transport error: {err}"),
    }
}

fn header(source: &str, key: &str) -> Option<String> {
    source
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
        .map(|v| v.trim().to_owned())
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

/// Live sandbox processes when every slot is ready: per slot, the init process waiting on its
/// zygote, the zygote, and the child it prepared for the next request.
fn steady(service: &Service) -> usize {
    service.pool_size * 3
}

/// Waits for every slot to be ready again (its next child prepared) and returns the number of
/// sandbox processes then: anything above `steady` outlived its execution.
fn settle(service: &Service) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let ready = service.health()["pool"]["ready"].as_u64() == Some(service.pool_size as u64);
        let count = service.sandbox_processes();
        if (ready && count == steady(service)) || Instant::now() > deadline {
            return count;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
    let slow = std::thread::spawn({
        let url = url.clone();
        move || {
            post_json(
                &url,
                &json!({"code": "import time\ntime.sleep(1.5)", "limits": {"timeout_secs": 5}}),
            )
        }
    });
    // Wait until the slow one holds the only slot.
    let deadline = Instant::now() + Duration::from_secs(5);
    while service.health()["pool"]["busy"] != 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
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
    // A slot killed under a running execution: the request is retried on a fresh slot.
    let url = service.url("/api/v1/execute_snippet");
    let request = std::thread::spawn(move || {
        post_json(
            &url,
            &json!({"code": "import time\ntime.sleep(0.5)\nprint('after retry')"}),
        )
    });
    service.wait_busy();
    service.kill_sandboxes();
    let (code, result) = request.join().expect("thread");
    assert_eq!(code, 200, "{result}");
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["stdout"], "after retry\n");
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
    let errors = result["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "one error per attempt: {result}");
    assert!(
        errors[0]
            .as_str()
            .unwrap_or_default()
            .starts_with("attempt 1:"),
        "{result}"
    );
    assert!(
        errors[1]
            .as_str()
            .unwrap_or_default()
            .starts_with("attempt 2:"),
        "{result}"
    );
    // The service itself is fine and serves the next request on fresh slots.
    let (code, result) = service.execute(&json!({"code": "print(2)"}));
    assert_eq!(
        (code, result["stdout"].as_str()),
        (200, Some("2\n")),
        "{result}"
    );
}
