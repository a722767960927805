//! One request can never see or affect another, with layers 1 and 2 switched off: the OS
//! layer alone. Victims plant secrets in their code and output; a later attacker on the same
//! slot scans every byte of memory it can reach. Forged status lines and reply blow-ups cost
//! their sender, never the service: no retry, no 500, no slot lost.

mod common;

use std::path::Path;

use common::executor::{post_json, settle, steady, Service};
use serde_json::{json, Value};

fn probe(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/escape")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The line every probe prints as its last act (see tests/executor.rs): a probe that exits on
/// its own without it stopped early and proved nothing.
const PROBE_END: &str = "PROBE-END";

fn assert_reached_the_end(name: &str, result: &Value) {
    let ended = result["stdout_truncated"] == true
        || result["stdout"]
            .as_str()
            .unwrap_or_default()
            .lines()
            .any(|line| line == PROBE_END);
    assert!(ended, "{name} stopped before its end: {result}");
}

fn token(round: usize) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    format!("T{round}x{nanos:x}")
}

fn run(service: &Service, code: &str, memory_mb: u64) -> Value {
    let (status, result) = post_json(
        &service.url("/api/v1/execute_snippet"),
        &json!({"code": code, "limits": {"timeout_secs": 10, "memory_mb": memory_mb, "max_output_bytes": 1 << 20}}),
    );
    assert_eq!(status, 200, "{result}");
    result
}

#[test]
fn no_secret_of_an_earlier_request_is_in_a_later_ones_memory() {
    let service = Service::start(
        &["--no-validate", "--no-guards"],
        &[("PYEXEC_EXECUTOR__POOL_SIZE", "1")],
    );
    let victim = probe("pairs/heap_scan_victim.py");
    let attacker = probe("pairs/heap_scan_attacker.py");
    let mut planted = Vec::new();
    // Several rounds, small and large victims, each followed by a scan on the same slot.
    for round in 0..4 {
        let token = token(round);
        let mut code = victim.replace("<PLACEHOLDER>", &token);
        if round % 2 == 1 {
            // A large request: its code and output are far bigger than a pymalloc block.
            code.push_str(&format!(
                "\nBIG = {:?}\nprint(BIG[:10])\n",
                "z".repeat(200_000)
            ));
        }
        let result = run(&service, &code, 128);
        assert_eq!(result["status"], "ok", "{result}");
        assert_reached_the_end("heap_scan_victim.py", &result);
        let output = format!("pyexec-secret-output-{token}");
        assert!(
            result["stdout"]
                .as_str()
                .is_some_and(|s| s.contains(&output)),
            "{result}"
        );
        planted.push(format!("pyexec-secret-code-{token}"));
        planted.push(output);
        let scan = run(&service, &attacker, 256);
        assert_eq!(scan["status"], "ok", "the scan must complete: {scan}");
        assert_reached_the_end("heap_scan_attacker.py", &scan);
        let found: Vec<&str> = scan["stdout"]
            .as_str()
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.strip_prefix("FOUND "))
            .collect();
        for secret in &planted {
            assert!(
                !found.iter().any(|f| f.contains(secret.as_str())),
                "round {round}: a later request read {secret}: {scan}"
            );
        }
    }
}

#[test]
fn a_forged_status_or_a_reply_blow_up_costs_no_retry_no_500_and_no_slot() {
    let service = Service::start(&["--no-validate", "--no-guards"], &[]);
    let forgery = probe("status_forgery.py");
    let blowup = probe("reply_blowup.py");
    for _ in 0..3 {
        let (status, result) = post_json(
            &service.url("/api/v1/execute_snippet"),
            &json!({"code": forgery, "limits": {"timeout_secs": 5}}),
        );
        assert_eq!(
            status, 200,
            "a forged status line is the code's own result: {result}"
        );
        assert!(result["errors"].is_null(), "no retry: {result}");
        assert!(
            ["ok", "error", "killed"].contains(&result["status"].as_str().unwrap_or_default()),
            "{result}"
        );
        if result["status"] != "killed" {
            assert_reached_the_end("status_forgery.py", &result);
        }
        let (status, result) = post_json(
            &service.url("/api/v1/execute_snippet"),
            &json!({"code": blowup, "limits": {"max_output_bytes": 4 << 20}}),
        );
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["status"], "ok", "{result}");
        assert_reached_the_end("reply_blowup.py", &result);
        for stream in ["stdout", "stderr"] {
            let text = serde_json::to_string(&result[stream]).expect("JSON");
            assert!(text.len() <= (4 << 20) + 2, "{stream} answer over the cap");
        }
    }
    assert_eq!(
        settle(&service),
        steady(&service),
        "a slot was lost or left processes"
    );
    let health = service.health();
    assert_eq!(health["pool"]["ready"], 2, "{health}");
    assert_eq!(health["pool"]["dead"], 0, "{health}");
}

#[test]
fn the_zygotes_limits_cannot_be_lowered_from_a_child() {
    let service = Service::start(
        &["--no-validate", "--no-guards"],
        &[("PYEXEC_EXECUTOR__POOL_SIZE", "1")],
    );
    let attack = probe("prlimit_zygote.py");
    for _ in 0..2 {
        let result = run(&service, &attack, 128);
        if ["ok", "error"].contains(&result["status"].as_str().unwrap_or_default()) {
            assert_reached_the_end("prlimit_zygote.py", &result);
        }
        let escaped: Vec<&str> = result["stdout"]
            .as_str()
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("ESCAPED"))
            .collect();
        assert!(escaped.is_empty(), "{escaped:?}");
    }
    // Innocent work on the same slot still has every limit it should have.
    let result = run(&service, "x = bytearray(64 << 20)\nprint(len(x))", 256);
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["stdout"], "67108864\n");
}
