//! Event triggers and completion events against the machine's RabbitMQ (127.0.0.1:5672,
//! guest/guest, rabbitmq_amqp1_0 enabled by scripts/rabbitmq.sh): requests in through an
//! AMQP 1.0 queue, results recorded and completion events out; an executor killed mid-batch
//! and started again loses nothing and runs nothing twice; poison messages are rejected
//! without blocking the queue; REST requests and heavy jobs publish one completion event
//! each. Every test uses queues of its own.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::app::{spawn, App, Options, Role, Workspace};
use common::poll;
use fe2o3_amqp::types::messaging::{Body, Message, Properties};
use fe2o3_amqp::types::primitives::{Binary, Value};
use fe2o3_amqp::{Connection, Receiver, Sender, Session};
use nix::sys::signal::Signal;
use serde_json::{json, Value as Json};

const WAIT: Duration = Duration::from_secs(60);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A queue of this test's own.
fn queue(tag: &str) -> String {
    format!("/queue/pyexec-test-{tag}-{}", uuid::Uuid::new_v4().simple())
}

/// Sends `messages` (message-id, body bytes) to `address`, each accepted by the broker.
fn send(address: &str, messages: &[(Option<&str>, Vec<u8>)]) {
    runtime().block_on(async {
        let mut connection =
            Connection::open("pyexec-test-producer", "amqp://guest:guest@127.0.0.1:5672")
                .await
                .expect("RabbitMQ with AMQP 1.0 on 127.0.0.1:5672 (scripts/rabbitmq.sh)");
        let mut session = Session::begin(&mut connection).await.expect("session");
        let mut sender = Sender::attach(&mut session, "test-producer", address)
            .await
            .expect("sender");
        for (id, body) in messages {
            let properties = Properties {
                message_id: id.map(|id| id.to_owned().into()),
                ..Properties::default()
            };
            let message = Message::builder()
                .properties(properties)
                .data(Binary::from(body.clone()))
                .build();
            let outcome = sender.send(message).await.expect("send");
            assert!(outcome.is_accepted(), "the broker took the message");
        }
        let _ = sender.detach().await;
        let _ = session.end().await;
        let _ = connection.close().await;
    });
}

/// Receives (and accepts) from `address` until `done` says so or `within` runs out: every
/// message body, as JSON.
fn receive_until(address: &str, within: Duration, done: impl Fn(&[Json]) -> bool) -> Vec<Json> {
    runtime().block_on(async {
        let mut connection =
            Connection::open("pyexec-test-consumer", "amqp://guest:guest@127.0.0.1:5672")
                .await
                .expect("RabbitMQ");
        let mut session = Session::begin(&mut connection).await.expect("session");
        let mut receiver = Receiver::attach(&mut session, "test-consumer", address)
            .await
            .expect("receiver");
        let deadline = Instant::now() + within;
        let mut got = Vec::new();
        while !done(&got) && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(delivery) = tokio::time::timeout(
                left.min(Duration::from_secs(1)),
                receiver.recv::<Body<Value>>(),
            )
            .await
            else {
                continue;
            };
            let delivery = delivery.expect("recv");
            receiver.accept(&delivery).await.expect("accept");
            let bytes: Vec<u8> = match delivery.into_body() {
                Body::Data(data) => data.into_iter().flat_map(|d| d.0.into_vec()).collect(),
                other => panic!("a completion event is a data section, got {other:?}"),
            };
            got.push(serde_json::from_slice(&bytes).expect("a JSON completion event"));
        }
        let _ = receiver.detach().await;
        let _ = session.end().await;
        let _ = connection.close().await;
        got
    })
}

fn events_config(source: Option<&str>, sink: &str, extra: &str) -> String {
    let source = source
        .map(|q| {
            format!(
                "[events.source]\nkind = \"amqp\"\naddress = \"{q}\"\nusername = \"guest\"\npassword = \"guest\"\nmax_in_flight = 8\nmax_message_bytes = 4096\n"
            )
        })
        .unwrap_or_default();
    format!(
        "[events]\ncaller = \"event:tests\"\n{extra}\n{source}[events.sink]\nkind = \"amqp\"\naddress = \"{sink}\"\nusername = \"guest\"\npassword = \"guest\"\nmax_batch = 16\n"
    )
}

fn request(id: Option<&str>, code: &str, limits: Option<Json>) -> Vec<u8> {
    let mut body = json!({"code": code});
    if let Some(id) = id {
        body["request_id"] = json!(id);
    }
    if let Some(limits) = limits {
        body["limits"] = limits;
    }
    serde_json::to_vec(&body).expect("json")
}

fn by_request_id(events: &[Json]) -> BTreeMap<String, Vec<Json>> {
    let mut map: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for event in events {
        let id = event["request_id"].as_str().expect("request_id").to_owned();
        map.entry(id).or_default().push(event.clone());
    }
    map
}

fn record(app: &App, request_id: &str) -> Json {
    let (status, body) = app.get(&format!("/api/v1/executions/{request_id}"));
    assert_eq!(status, 200, "the record of {request_id}: {body}");
    body
}

fn is_rfc3339(text: &Json) -> bool {
    text.as_str()
        .is_some_and(|t| humantime::parse_rfc3339_weak(t).is_ok())
}

#[test]
fn requests_in_results_recorded_and_completion_events_out() {
    let requests = queue("in");
    let completions = queue("out");
    let app = spawn(
        Role::Executor,
        Options::default()
            .pool_size(2)
            .config(events_config(Some(&requests), &completions, "")),
    );
    send(
        &requests,
        &[
            (None, request(Some("ev-ok"), "print(6 * 7)", None)),
            // The id from the message-id property.
            (
                Some("ev-fail"),
                request(None, "x = 1\ndef f():\n    return 1 / 0\nf()\n", None),
            ),
            (
                None,
                request(
                    Some("ev-slow"),
                    "while True:\n    pass\n",
                    Some(json!({"timeout_secs": 0.5})),
                ),
            ),
            (None, request(Some("ev-refused"), "import socket\n", None)),
        ],
    );
    let events = receive_until(&completions, WAIT, |got| got.len() >= 4);
    let events = by_request_id(&events);
    assert_eq!(
        events.keys().cloned().collect::<Vec<_>>(),
        ["ev-fail", "ev-ok", "ev-refused", "ev-slow"],
        "one completion event per request: {events:#?}"
    );
    for (id, list) in &events {
        assert_eq!(list.len(), 1, "{id}: {list:#?}");
        let event = &list[0];
        let record = record(&app, id);
        assert_eq!(event["request_id"], json!(id));
        assert_eq!(event["tier"], json!("lightweight"));
        assert_eq!(event["owner"], json!("event:tests"), "the events caller");
        assert_eq!(record["owner"], json!("event:tests"));
        assert_eq!(record["source"], json!("event"));
        assert_eq!(
            event["result_location"],
            json!(format!("/api/v1/executions/{id}"))
        );
        assert!(
            is_rfc3339(&event["received_at"]) && is_rfc3339(&event["finished_at"]),
            "{event}"
        );
        assert_eq!(
            event["finished_at"], record["finished_at"],
            "the event is the record's: {event} {record}"
        );
        let job_id = event["job_id"].as_str().expect("job_id");
        assert!(job_id.starts_with(&format!("pyexec-{id}-")), "{event}");
        assert!(
            event["event_id"]
                .as_str()
                .is_some_and(|e| e.starts_with(&format!("{job_id}:"))),
            "{event}"
        );
        assert!(event["duration_ms"].as_f64().is_some());
        assert!(
            event["traceparent"]
                .as_str()
                .is_some_and(|t| t.starts_with("00-")),
            "{event}"
        );
    }
    let ok = &events["ev-ok"][0];
    assert_eq!(ok["status"], json!("succeeded"));
    assert_eq!(ok["detail"], json!("ok"));
    assert_eq!(ok["exit_code"], json!(0));
    assert!(ok.get("error").is_none(), "{ok}");
    assert_eq!(record(&app, "ev-ok")["result"]["stdout"], json!("42\n"));
    let failed = &events["ev-fail"][0];
    assert_eq!(failed["status"], json!("failed"));
    assert_eq!(failed["detail"], json!("error"));
    assert_eq!(
        failed["error"]["line"],
        json!(3),
        "the failing line: {failed}"
    );
    assert_eq!(failed["error"]["code"], json!("return 1 / 0"));
    assert_eq!(
        failed["error"]["message"],
        json!("ZeroDivisionError: division by zero")
    );
    let slow = &events["ev-slow"][0];
    assert_eq!(slow["status"], json!("timeout"));
    assert!(slow["error"]["message"].as_str().is_some());
    let refused = &events["ev-refused"][0];
    assert_eq!(refused["status"], json!("rejected"));
    assert_eq!(refused["error"]["line"], json!(1));
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("PX")),
        "{refused}"
    );
    // Per message: request id, queue, delivery id, outcome, duration.
    let settled: Vec<Json> = app
        .log_lines()
        .into_iter()
        .filter(|l| l["message"] == json!("event message settled"))
        .collect();
    assert_eq!(settled.len(), 4, "{settled:#?}");
    for line in &settled {
        let fields = line;
        assert_eq!(fields["queue"], json!(requests));
        assert_eq!(fields["settlement"], json!("accepted"));
        assert!(
            fields["delivery_id"].is_u64() && fields["duration_ms"].is_f64(),
            "{line}"
        );
        assert!(fields["request_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("ev-")));
    }
}

#[test]
fn poison_messages_are_rejected_without_blocking_the_queue() {
    let requests = queue("poison");
    let completions = queue("poison-out");
    let app = spawn(
        Role::Executor,
        Options::default().config(events_config(Some(&requests), &completions, "")),
    );
    send(
        &requests,
        &[
            (Some("p-json"), b"{\"code\": \"print(1)\"".to_vec()),
            (Some("p-utf8"), vec![b'{', 0xff, 0xfe, b'}']),
            (
                Some("p-big"),
                request(Some("p-big"), &"#".repeat(5000), None),
            ),
            (Some("p-field"), br#"{"cod": "print(1)"}"#.to_vec()),
            (None, request(None, "print(1)", None)),
            (Some("p-nul"), request(Some("p-nul"), "print(1)\u{0}", None)),
            (
                None,
                request(Some("p-good"), "print('after the poison')", None),
            ),
        ],
    );
    // One event each for the good request and the five poison messages that name a request
    // id (`rejected`, with why); the sixth names none, so there is no one to tell.
    let events = receive_until(&completions, WAIT, |got| got.len() >= 6);
    let events = by_request_id(&events);
    assert_eq!(
        events.keys().map(String::as_str).collect::<Vec<_>>(),
        ["p-big", "p-field", "p-good", "p-json", "p-nul", "p-utf8"],
        "{events:#?}"
    );
    assert_eq!(events["p-good"].len(), 1);
    assert_eq!(events["p-good"][0]["status"], json!("succeeded"));
    for (id, why) in [
        ("p-json", "EOF while parsing"),
        ("p-utf8", "not UTF-8"),
        ("p-big", "a request is at most 4096"),
        ("p-field", "unknown field `cod`"),
        ("p-nul", "NUL byte"),
    ] {
        assert_eq!(events[id].len(), 1, "{id}: {events:#?}");
        let event = &events[id][0];
        assert_eq!(event["status"], json!("rejected"), "{event}");
        assert_eq!(event["detail"], json!("refused"), "{event}");
        assert_eq!(event["owner"], json!("event:tests"), "{event}");
        assert!(is_rfc3339(&event["finished_at"]), "{event}");
        let message = event["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{id}: {message}");
    }
    assert_eq!(
        record(&app, "p-good")["result"]["stdout"],
        json!("after the poison\n")
    );
    let rejected = poll(WAIT, Duration::from_millis(100), || {
        let lines: Vec<Json> = app
            .log_lines()
            .into_iter()
            .filter(|l| l["settlement"] == json!("rejected"))
            .collect();
        if lines.len() >= 6 {
            Ok(lines)
        } else {
            Err(format!("{} of 6 poison messages rejected", lines.len()))
        }
    });
    assert_eq!(rejected.len(), 6);
    let errors: Vec<String> = app
        .log_lines()
        .into_iter()
        .filter(|l| l["level"] == json!("ERROR"))
        .map(|l| l["error"].as_str().unwrap_or_default().to_owned())
        .collect();
    let said = |needle: &str| errors.iter().any(|e| e.contains(needle));
    assert!(
        said("EOF while parsing an object at line 1 column"),
        "{errors:#?}"
    );
    assert!(said("not UTF-8 (invalid byte at offset 1)"), "{errors:#?}");
    assert!(said("a request is at most 4096"), "{errors:#?}");
    assert!(said("unknown field `cod`"), "{errors:#?}");
    assert!(said("no request id"), "{errors:#?}");
    assert!(said("NUL byte at byte offset 8"), "{errors:#?}");
    // Nothing comes back: rejected, not released.
    let metrics = ureq::get(&app.url("/metrics"))
        .call()
        .expect("metrics")
        .into_string()
        .expect("text");
    assert!(
        metrics.contains("pyexec_events_consumed_total{outcome=\"rejected\"} 6"),
        "{metrics}"
    );
    assert!(
        metrics.contains("pyexec_events_consumed_total{outcome=\"accepted\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("pyexec_events_published_total 6"),
        "{metrics}"
    );
}

#[test]
fn an_executor_killed_mid_batch_loses_nothing_and_runs_nothing_twice() {
    const N: usize = 80;
    let requests = queue("kill");
    let completions = queue("kill-out");
    let workspace = Workspace::new();
    let config = events_config(Some(&requests), &completions, "");
    let start = |workspace: &Arc<Workspace>| {
        spawn(
            Role::Executor,
            Options::default()
                .pool_size(2)
                .config(config.clone())
                .workspace(workspace),
        )
    };
    // Programs whose effect is observable: each prints a random number, kept in its record
    // and told apart by its event (a second run would record and announce another).
    let code =
        "import random\nx = 0\nfor i in range(300000):\n    x += i\nprint(random.random())\n";
    let messages: Vec<(Option<&str>, Vec<u8>)> = (0..N)
        .map(|i| (None, request(Some(&format!("k-{i:03}")), code, None)))
        .collect();
    let mut first = start(&workspace);
    send(&requests, &messages);
    // Mid-batch: some done, most not.
    let early = receive_until(&completions, WAIT, |got| got.len() >= 10);
    assert!(early.len() >= 10);
    first.stop_with(Signal::SIGKILL);
    let _ = first.wait_exit(Duration::from_secs(10));
    drop(first);
    let second = start(&workspace);
    let mut events = early;
    let rest = receive_until(&completions, Duration::from_secs(180), |got| {
        by_count(got, &events) >= N
    });
    events.extend(rest);
    let grouped = by_request_id(&events);
    assert_eq!(
        grouped.len(),
        N,
        "every request announced: {:?}",
        grouped.keys()
    );
    let mut duplicates = 0;
    for (id, list) in &grouped {
        let distinct: HashMap<&str, &Json> = list
            .iter()
            .map(|e| (e["event_id"].as_str().unwrap_or_default(), e))
            .collect();
        assert_eq!(
            distinct.len(),
            1,
            "{id} ran once: one event (copies share its id): {list:#?}"
        );
        for copy in list {
            assert_eq!(copy, &list[0], "copies are the same event");
        }
        duplicates += list.len() - 1;
        let record = record(&second, id);
        assert_eq!(
            record["finished_at"], list[0]["finished_at"],
            "{id}: the event is the recorded run's"
        );
        let out = record["result"]["stdout"].as_str().unwrap_or_default();
        assert!(out.trim().parse::<f64>().is_ok(), "{id}: {record}");
    }
    eprintln!(
        "{N} requests, {} events, {duplicates} re-published copies after the kill",
        events.len()
    );
    // One record per request id (the events caller's).
    let (status, page) = second.get("/api/v1/executions?request_id_prefix=k-&limit=500");
    assert_eq!(status, 200);
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), N, "one record per request id");
}

/// Distinct request ids across `earlier` and `got`.
fn by_count(got: &[Json], earlier: &[Json]) -> usize {
    let mut all: Vec<&str> = earlier
        .iter()
        .chain(got)
        .filter_map(|e| e["request_id"].as_str())
        .collect();
    all.sort_unstable();
    all.dedup();
    all.len()
}

#[test]
fn a_rest_request_and_heavy_jobs_publish_one_completion_event_each() {
    let completions = queue("paths");
    let app = spawn(
        Role::Executor,
        Options::default().config(events_config(None, &completions, "")),
    );
    // A heavy job that its runner announces.
    let (status, created) = app.post(
        "/api/v1/create_heavy_job",
        &json!({"code": "import pandas as pd\ndf = pd.DataFrame({'v': [1, 2, 3]})\nprint(int(df.v.sum()))\n"}),
        &[("x-request-id", "h-1")],
    );
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    let (_, job) = app.get(&format!("/api/v1/jobs/{job_id}?wait_secs=120"));
    assert_eq!(job["status"], json!("succeeded"), "{job}");
    // A job cancelled while it runs: its runner never announces it; the executor does.
    let (_, long) = app.post(
        "/api/v1/create_heavy_job",
        &json!({"code": "import pandas as pd\nx = 0\nfor i in range(10**10):\n    x += i\n"}),
        &[("x-request-id", "h-2")],
    );
    let long_id = long["job_id"].as_str().expect("job_id").to_owned();
    poll(WAIT, Duration::from_millis(100), || {
        let (_, job) = app.get(&format!("/api/v1/jobs/{long_id}"));
        if job["status"] == json!("running") {
            Ok(())
        } else {
            Err(format!("{job}"))
        }
    });
    let delete = ureq::delete(&app.url(&format!("/api/v1/jobs/{long_id}"))).call();
    assert!(delete.is_ok(), "cancel: {delete:?}");
    let (_, ended) = app.get(&format!("/api/v1/jobs/{long_id}?wait_secs=60"));
    assert_eq!(ended["status"], json!("cancelled"), "{ended}");
    // Both jobs' ends are dealt with (announced by the runner or by the executor) before
    // the REST request below, whose event the same publisher sends after any of theirs.
    poll(WAIT, Duration::from_millis(100), || {
        let text = app.log_text();
        let runner_did = text.contains("the runner announced the job's end");
        let executor_did = text.contains("the runner did not announce the job's end");
        if runner_did && executor_did {
            Ok(())
        } else {
            Err(text.lines().rev().take(5).collect::<Vec<_>>().join("\n"))
        }
    });
    let (status, ran) = app.post(
        "/api/v1/execute_snippet",
        &json!({"code": "print('rest')"}),
        &[("x-request-id", "r-1")],
    );
    assert_eq!(status, 200, "{ran}");
    let events = receive_until(&completions, WAIT, |got| {
        got.iter().any(|e| e["request_id"] == json!("r-1"))
    });
    let grouped = by_request_id(&events);
    assert_eq!(
        grouped.keys().cloned().collect::<Vec<_>>(),
        ["h-1", "h-2", "r-1"],
        "{events:#?}"
    );
    for (id, list) in &grouped {
        assert_eq!(list.len(), 1, "exactly one event for {id}: {list:#?}");
    }
    let rest = &grouped["r-1"][0];
    assert_eq!(rest["status"], json!("succeeded"));
    assert_eq!(rest["owner"], json!("anonymous"));
    let heavy = &grouped["h-1"][0];
    assert_eq!(heavy["status"], json!("succeeded"));
    assert_eq!(heavy["tier"], json!("heavy"));
    assert_eq!(heavy["job_id"], json!(job_id));
    assert_eq!(heavy["owner"], json!("anonymous"));
    assert_eq!(heavy["result_location"], job["result_location"], "{heavy}");
    assert!(heavy["traceparent"].as_str().is_some());
    // The runner keeps what it published beside the result.
    let marker = app
        .workspace
        .storage()
        .join(format!("results/{job_id}/event.json"));
    let kept: Json =
        serde_json::from_slice(&std::fs::read(&marker).expect("event.json")).expect("json");
    assert_eq!(&kept, heavy);
    let cancelled = &grouped["h-2"][0];
    assert_eq!(cancelled["status"], json!("failed"));
    assert_eq!(cancelled["detail"], json!("cancelled"));
    assert!(
        cancelled["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cancelled")),
        "{cancelled}"
    );
}

#[test]
fn the_sink_password_is_redacted_and_plain_amqp_to_a_remote_host_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pyexec"))
        .args(["config", "show", "--role", "executor"])
        .env("PYEXEC_EVENTS__SINK__PASSWORD", "s3cret-sink")
        .env("PYEXEC_EVENTS__SOURCE__PASSWORD", "s3cret-source")
        .output()
        .expect("config show");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("***redacted***"), "{text}");
    let workspace = Workspace::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pyexec"))
        .args(["serve", "--role", "executor", "--listen", "127.0.0.1:0"])
        .env("PYEXEC_JOBS__STATE_DIR", workspace.state())
        .env("PYEXEC_EXECUTOR__SANDBOX__UID", workspace.uid().to_string())
        .env("PYEXEC_EXECUTOR__SANDBOX__GID", workspace.uid().to_string())
        .env("PYEXEC_EVENTS__SINK__KIND", "amqp")
        .env("PYEXEC_EVENTS__SINK__URL", "amqp://broker.example:5672")
        .output()
        .expect("serve");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused: {err}");
    assert!(
        err.contains("plain AMQP to a host that is not loopback"),
        "{err}"
    );
}
