//! The executor never loses capacity, whatever its clients do: clients that vanish at every
//! await point (before admission, while queued, while running, while the answer is written),
//! queue waits with a deadline, readiness that tells the truth, timeouts and limits on every
//! edge of the HTTP server, inputs refused before anything is queued, and a shutdown that
//! ends within its grace period. The real binary, the real sandbox, raw TCP on 127.0.0.1.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::executor::{post_json, post_raw, settle, steady, Service};
use serde_json::{json, Value};

/// A request for `code`, written by hand so a test can stop anywhere in it.
fn raw_request(service: &Service, code: &str) -> Vec<u8> {
    let body = json!({"code": code, "limits": {"timeout_secs": 10}}).to_string();
    let host = service.base.trim_start_matches("http://");
    format!(
        "POST /api/v1/execute_snippet HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn connect(service: &Service) -> TcpStream {
    let stream = TcpStream::connect(service.base.trim_start_matches("http://")).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("read timeout");
    stream
}

/// Waits (bounded) until the health document satisfies `done`.
fn wait_health(service: &Service, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let health = service.health();
        if done(&health) {
            return health;
        }
        assert!(Instant::now() < deadline, "{what}: {health}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every slot is ready and nothing is queued or left running, and `slots` requests at once
/// all run (none waits behind a lost slot).
fn assert_full_capacity(service: &Service) {
    assert_eq!(
        settle(service),
        steady(service),
        "processes outlived their executions"
    );
    let health = wait_health(service, "capacity never came back", |h| {
        h["pool"]["ready"] == service.pool_size && h["pool"]["queued"] == 0
    });
    assert_eq!(health["ready"], true, "{health}");
    let url = service.url("/api/v1/execute_snippet");
    let runs: Vec<_> = (0..service.pool_size)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                post_json(&url, &json!({"code": format!("print({i} * 11)")}))
            })
        })
        .collect();
    for (i, run) in runs.into_iter().enumerate() {
        let (code, result) = run.join().expect("thread");
        assert_eq!(code, 200, "{result}");
        assert_eq!(result["stdout"], format!("{}\n", i * 11), "{result}");
    }
}

#[test]
fn clients_that_vanish_while_their_code_runs_cost_no_capacity() {
    let service = Service::start(&[], &[]);
    // Twice as many impatient clients as slots, each gone before its program ends.
    for _ in 0..2 {
        let mut clients: Vec<TcpStream> = (0..service.pool_size)
            .map(|_| {
                let mut stream = connect(&service);
                let request = raw_request(&service, "import time\ntime.sleep(1)\nprint('late')");
                stream.write_all(&request).expect("send");
                stream
            })
            .collect();
        wait_health(&service, "the executions never started", |h| {
            h["pool"]["busy"] == service.pool_size
        });
        clients.clear(); // every client disconnects while its code runs
    }
    assert_full_capacity(&service);
}

#[test]
fn clients_that_vanish_while_queued_give_their_place_back() {
    let service = Service::start(
        &[],
        &[
            ("PYEXEC_EXECUTOR__POOL_SIZE", "1"),
            ("PYEXEC_EXECUTOR__MAX_QUEUE", "3"),
        ],
    );
    let url = service.url("/api/v1/execute_snippet");
    let slow = service.occupy(2.0, "slow");
    // Fill the queue with clients that then give up, three times over.
    for _ in 0..3 {
        let mut queued: Vec<TcpStream> = (0..3)
            .map(|_| {
                let mut stream = connect(&service);
                stream
                    .write_all(&raw_request(&service, "print('queued')"))
                    .expect("send");
                stream
            })
            .collect();
        wait_health(&service, "the clients never queued", |h| {
            h["pool"]["queued"] == 3
        });
        queued.clear();
        wait_health(&service, "queue places were not given back", |h| {
            h["pool"]["queued"] == 0
        });
    }
    // The queue has its full size again: three more wait and are all served.
    let waiting: Vec<_> = (0..3)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || post_json(&url, &json!({"code": format!("print({i})")})))
        })
        .collect();
    for (i, wait) in waiting.into_iter().enumerate() {
        let (code, result) = wait.join().expect("thread");
        assert_eq!(
            (code, result["stdout"].as_str()),
            (200, Some(format!("{i}\n").as_str())),
            "{result}"
        );
    }
    let (code, result) = slow.join().expect("thread");
    assert_eq!((code, result["stdout"].as_str()), (200, Some("slow\n")));
    assert_full_capacity(&service);
}

#[test]
fn clients_that_vanish_before_admission_or_while_the_answer_is_written_cost_nothing() {
    let service = Service::start(&[], &[]);
    for _ in 0..4 {
        // Half a request, then gone.
        let request = raw_request(&service, "print('never sent whole')");
        let mut stream = connect(&service);
        stream
            .write_all(&request[..request.len() / 2])
            .expect("send");
        drop(stream);
        // A request whose 2 MB answer the client stops reading after a few bytes.
        let mut stream = connect(&service);
        stream
            .write_all(&raw_request(&service, "print('x' * 2_000_000)"))
            .expect("send");
        let mut first = [0u8; 16];
        stream.read_exact(&mut first).expect("the answer starts");
        assert!(first.starts_with(b"HTTP/1.1 200"), "{first:?}");
        drop(stream);
    }
    assert_full_capacity(&service);
}

#[test]
fn a_queue_wait_has_a_deadline_and_a_realistic_retry_after() {
    let service = Service::start(
        &[],
        &[
            ("PYEXEC_EXECUTOR__POOL_SIZE", "1"),
            ("PYEXEC_EXECUTOR__QUEUE_TIMEOUT_SECS", "0.5"),
        ],
    );
    let url = service.url("/api/v1/execute_snippet");
    let slow = service.occupy(3.0, "slow");
    match ureq::post(&url).send_json(json!({"code": "print(1)"})) {
        Err(ureq::Error::Status(503, response)) => {
            let retry: u64 = response
                .header("retry-after")
                .and_then(|v| v.parse().ok())
                .expect("a Retry-After in seconds");
            assert!((1..=60).contains(&retry), "{retry}");
            let body: Value = response.into_json().expect("JSON");
            assert_eq!(body["error"]["kind"], "busy", "{body}");
            assert_eq!(body["error"]["details"]["kind"], "queue_timeout", "{body}");
        }
        other => panic!("expected 503 after the queue deadline, got {other:?}"),
    }
    assert_eq!(service.health()["pool"]["queued"], 0);
    let (code, result) = slow.join().expect("thread");
    assert_eq!((code, result["stdout"].as_str()), (200, Some("slow\n")));
    assert_full_capacity(&service);
}

#[test]
fn readiness_is_503_with_reasons_when_no_slot_is_usable_or_the_queue_is_full() {
    let service = Service::start(
        &[],
        &[
            ("PYEXEC_EXECUTOR__POOL_SIZE", "1"),
            ("PYEXEC_EXECUTOR__MAX_QUEUE", "1"),
        ],
    );
    let ready = ureq::get(&service.url("/api/v1/health/ready"))
        .call()
        .expect("ready");
    assert_eq!(ready.status(), 200);
    let live = ureq::get(&service.url("/api/v1/health/live"))
        .call()
        .expect("live");
    assert_eq!(live.status(), 200);
    // Slots killed from outside: readiness says so until the supervisor has replaced them.
    let mut seen = None;
    for _ in 0..50 {
        service.kill_sandboxes();
        if let Err(ureq::Error::Status(503, response)) =
            ureq::get(&service.url("/api/v1/health/ready")).call()
        {
            seen = Some(response.into_json::<Value>().expect("JSON"));
            break;
        }
    }
    let health = seen.expect("readiness never reported the dead slot");
    assert_eq!(health["ready"], false, "{health}");
    assert!(
        health["pool"]["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("no usable sandbox slot")),
        "{health}"
    );
    wait_health(&service, "the slot was not replaced", |h| {
        h["ready"] == true
    });
    // A saturated queue: one running, one queued.
    let url = service.url("/api/v1/execute_snippet");
    let running: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                post_json(&url, &json!({"code": "import time\ntime.sleep(1.5)"}))
            })
        })
        .collect();
    let health = wait_health(&service, "the queue never filled", |h| {
        h["pool"]["queued"] == 1
    });
    assert_eq!(health["ready"], false, "{health}");
    assert!(
        health["pool"]["reasons"].as_array().is_some_and(|r| r
            .iter()
            .any(|r| r.as_str().is_some_and(|r| r.contains("queue is full")))),
        "{health}"
    );
    for run in running {
        assert_eq!(run.join().expect("thread").0, 200);
    }
    // The liveness probe answers whatever the pool does.
    assert_eq!(
        ureq::get(&service.url("/api/v1/health/live"))
            .call()
            .expect("live")
            .status(),
        200
    );
    assert_full_capacity(&service);
}

#[test]
fn every_edge_of_the_server_has_a_timeout_or_a_limit() {
    let mut service = Service::start(
        &[],
        &[
            ("PYEXEC_SERVER__HEADER_READ_TIMEOUT_SECS", "1"),
            ("PYEXEC_SERVER__BODY_READ_TIMEOUT_SECS", "1"),
            ("PYEXEC_SERVER__IDLE_TIMEOUT_SECS", "1"),
            ("PYEXEC_SERVER__MAX_CONNECTIONS", "8"),
            ("PYEXEC_EXECUTOR__SHUTDOWN_GRACE_SECS", "2"),
        ],
    );
    let host = service.base.trim_start_matches("http://").to_owned();
    // A declared body over the limit is answered 413 at once, without sending any of it.
    let mut stream = connect(&service);
    write!(
        stream,
        "POST /api/v1/execute_snippet HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\nx-request-id: big-1\r\n\r\n"
    )
    .expect("send");
    let answer = read_answer(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"request_id\":\"big-1\""), "{answer}");
    // A body that stops half-way is answered 408 after the body timeout.
    let mut stream = connect(&service);
    write!(
        stream,
        "POST /api/v1/execute_snippet HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"code\":"
    )
    .expect("send");
    let answer = read_answer(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"kind\":\"timeout\""), "{answer}");
    // Headers that never end, and a connection that never sends: both are closed.
    let mut slow_headers = connect(&service);
    slow_headers
        .write_all(b"POST /api/v1/execute_snippet HTTP/1.1\r\nhost: x\r\n")
        .expect("send");
    let mut idle = connect(&service);
    assert_eq!(
        read_answer(&mut slow_headers),
        "",
        "half-sent headers were not cut off"
    );
    assert_eq!(
        read_answer(&mut idle),
        "",
        "an idle connection was not closed"
    );
    // Over the connection bound: answered 503, not dropped; health answers once they go.
    let held: Vec<TcpStream> = (0..8).map(|_| connect(&service)).collect();
    let mut extra = connect(&service);
    extra
        .write_all(format!("GET /api/v1/health HTTP/1.1\r\nhost: {host}\r\n\r\n").as_bytes())
        .expect("send");
    let answer = read_answer(&mut extra);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"kind\":\"busy\""), "{answer}");
    drop(held);
    wait_health(&service, "health did not come back", |h| h["ready"] == true);
    // SIGTERM completes within the grace period although a client holds a half-sent request.
    let mut holder = connect(&service);
    holder
        .write_all(
            b"POST /api/v1/execute_snippet HTTP/1.1\r\nhost: x\r\ncontent-length: 50\r\n\r\n{",
        )
        .expect("send");
    service.terminate();
    assert_eq!(service.wait_exit(Duration::from_secs(10)), Some(0));
}

#[test]
fn a_low_file_descriptor_limit_never_leaves_connections_unanswered() {
    // 300 descriptors: the connection bound shrinks to fit beside the sandbox's own.
    let service = Service::start_with_fd_limit(&[], &[], Some(300));
    let host = service.base.trim_start_matches("http://").to_owned();
    let held: Vec<TcpStream> = (0..120).map(|_| connect(&service)).collect();
    // Let the refusals of the flood end (a bounded number are answered at a time, the rest
    // of a flood is closed); from then on every connection is answered: served if there is
    // room, else 503 busy.
    std::thread::sleep(Duration::from_secs(1));
    for _ in 0..3 {
        let mut probe = connect(&service);
        probe
            .write_all(
                format!(
                    "GET /api/v1/health/live HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n"
                )
                .as_bytes(),
            )
            .expect("send");
        let answer = read_answer(&mut probe);
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 503"),
            "{answer:?}"
        );
    }
    drop(held);
    wait_health(&service, "health did not come back", |h| h["ready"] == true);
    assert_full_capacity(&service);
}

/// Everything the server sends until it closes the connection.
fn read_answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn inputs_no_interpreter_can_take_are_refused_before_anything_is_queued() {
    let service = Service::start(&[], &[]);
    for path in ["/api/v1/execute_snippet", "/api/v1/create_heavy_job"] {
        let url = service.url(path);
        let (code, body) = post_raw(&url, br#"{"code": "print(1)\u0000print(2)"}"#, &[]);
        assert_eq!(code, 400, "{path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("NUL")),
            "{path}: {body}"
        );
        // A lone surrogate is not a character: not valid UTF-8 once decoded.
        let (code, body) = post_raw(&url, br#"{"code": "print('\udc80')"}"#, &[]);
        assert_eq!(code, 400, "{path}: {body}");
        let (code, body) = post_raw(&url, b"{\"code\": \"print(1)\xc3\"}", &[]);
        assert_eq!(code, 400, "{path}: {body}");
    }
    // A tiny output cap cuts the output, never the sandbox's own status channel.
    for cap in [1, 5, 19] {
        let (code, result) = post_json(
            &service.url("/api/v1/execute_snippet"),
            &json!({"code": "print('hello world, this is long')", "limits": {"max_output_bytes": cap}}),
        );
        assert_eq!(code, 200, "{result}");
        assert_eq!(result["status"], "ok", "{result}");
        assert_eq!(
            result["stdout"].as_str().map(str::len),
            Some(cap),
            "{result}"
        );
        assert_eq!(result["stdout_truncated"], true, "{result}");
    }
    // A limit of zero is invalid, not "above the maximum".
    let (code, body) = post_json(
        &service.url("/api/v1/execute_snippet"),
        &json!({"code": "print(1)", "limits": {"max_output_bytes": 0}}),
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["error"]["details"]["kind"], "limit_invalid", "{body}");
    assert_full_capacity(&service);
}

#[test]
fn at_shutdown_queued_requests_get_503_shutdown_and_running_ones_their_result() {
    let mut service = Service::start(
        &[],
        &[
            ("PYEXEC_EXECUTOR__POOL_SIZE", "1"),
            ("PYEXEC_EXECUTOR__SHUTDOWN_GRACE_SECS", "5"),
        ],
    );
    let url = service.url("/api/v1/execute_snippet");
    let running = std::thread::spawn({
        let url = url.clone();
        move || {
            post_json(
                &url,
                &json!({"code": "import time\ntime.sleep(1)\nprint('done')"}),
            )
        }
    });
    wait_health(&service, "never started", |h| h["pool"]["busy"] == 1);
    let queued = std::thread::spawn({
        let url = url.clone();
        move || post_json(&url, &json!({"code": "print('queued')"}))
    });
    wait_health(&service, "never queued", |h| h["pool"]["queued"] == 1);
    service.terminate();
    let (code, body) = queued.join().expect("thread");
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["error"]["kind"], "shutdown", "{body}");
    let (code, result) = running.join().expect("thread");
    assert_eq!(
        (code, result["stdout"].as_str()),
        (200, Some("done\n")),
        "{result}"
    );
    assert_eq!(service.wait_exit(Duration::from_secs(10)), Some(0));
}
