//! A handler that panics: the service answers 500 in the error contract (docs/models.md)
//! instead of dropping the connection, goes on serving, and logs the panic through the
//! panic hook with a backtrace and the request's fields.
//!
//! The server runs in a child process (this test binary, run again for one test) so that
//! the global logger and panic hook are installed there, never in the test runner.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use axum::routing::get;
use axum::Router;
use serde_json::Value;

/// Set in the child's environment: the child serves instead of testing.
const CHILD: &str = "PANICS_TEST_CHILD";

async fn boom() -> &'static str {
    panic!("boom in a handler")
}

async fn fine() -> &'static str {
    "fine"
}

/// In the child: serves a router with a panicking route, with the services' logging set-up
/// (JSON lines on stderr, the panic hook), until killed.
#[test]
fn child_serves_a_panicking_route() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let log = pyexec::config::LogSettings {
        format: pyexec::config::LogFormat::Json,
        level: "info".to_owned(),
    };
    let _telemetry = pyexec::telemetry::init_service(
        &log,
        &pyexec::config::TelemetrySettings::default(),
        "test",
    )
    .expect("telemetry");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        println!("listening on {}", listener.local_addr().expect("addr"));
        let app = pyexec::http::finish(
            Router::new()
                .route("/boom", get(boom))
                .route("/fine", get(fine)),
            None,
            "test",
        );
        let limits = pyexec::http::ServerLimits {
            header_read_timeout: std::time::Duration::from_secs(10),
            idle_timeout: std::time::Duration::from_secs(60),
            request_timeout: std::time::Duration::from_secs(60),
            max_connections: 16,
            max_body_bytes: 1 << 20,
            max_upload_bytes: 0,
            grace: std::time::Duration::from_secs(1),
        };
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        pyexec::http::serve(listener, app, limits, stopped)
            .await
            .expect("serve");
    });
}

fn get_url(url: &str, request_id: &str) -> (u16, String, Option<String>) {
    match ureq::get(url).set("x-request-id", request_id).call() {
        Ok(r) => {
            let id = r.header("x-request-id").map(str::to_owned);
            (r.status(), r.into_string().expect("body"), id)
        }
        Err(ureq::Error::Status(code, r)) => {
            let id = r.header("x-request-id").map(str::to_owned);
            (code, r.into_string().expect("body"), id)
        }
        Err(err) => panic!("transport error (the connection was dropped?): {err}"),
    }
}

#[test]
fn a_panicking_handler_is_answered_500_logged_with_a_backtrace_and_the_service_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("child.log");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "child_serves_a_panicking_route", "--nocapture"])
        .env(CHILD, "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("child starts");
    let mut addr = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // libtest may print its own lines first.
    while !addr.starts_with("listening on ") {
        addr.clear();
        let read = stdout.read_line(&mut addr).expect("read");
        assert!(
            read > 0,
            "the child ended: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    let base = format!("http://{}", addr.trim().trim_start_matches("listening on "));

    let (status, body, id) = get_url(&format!("{base}/boom"), "panic-1");
    assert_eq!(status, 500, "{body}");
    assert_eq!(id.as_deref(), Some("panic-1"));
    let body: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["error"]["kind"], "internal", "{body}");
    assert_eq!(body["error"]["request_id"], "panic-1", "{body}");
    // Still serving, panicking route included.
    assert_eq!(get_url(&format!("{base}/fine"), "fine-1").0, 200);
    assert_eq!(get_url(&format!("{base}/boom"), "panic-2").0, 500);
    assert_eq!(get_url(&format!("{base}/fine"), "fine-2").0, 200);
    let _ = child.kill();
    let _ = child.wait();

    let text = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let panic = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "panic-1" && l["panic"].is_string())
        .unwrap_or_else(|| panic!("no panic line for panic-1 in:\n{text}"));
    assert_eq!(panic["level"], "ERROR", "{panic}");
    assert_eq!(panic["panic"], "boom in a handler", "{panic}");
    assert!(
        panic["location"]
            .as_str()
            .is_some_and(|l| l.contains("tests/panics.rs")),
        "{panic}"
    );
    assert!(
        panic["backtrace"]
            .as_str()
            .is_some_and(|b| b.contains("boom")),
        "the backtrace names the panicking function: {panic}"
    );
    assert_eq!(panic["span"]["role"], "test", "{panic}");
    assert_eq!(panic["span"]["operation"], "GET /boom", "{panic}");
    assert!(
        panic["span"]["trace_id"]
            .as_str()
            .is_some_and(pyexec::telemetry::is_trace_id),
        "{panic}"
    );
}
