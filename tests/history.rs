//! The run history end to end: a real executor records every request in SQLite (the
//! embedded default) and in the machine's PostgreSQL (a throwaway database per test), the
//! query API filters and pages it, records survive a restart, resent request ids are
//! answered from their record, retention deletes what it should, a full write queue is
//! counted, readiness follows the database, and `pyexec history` reads the same records.

mod common;

use std::collections::HashSet;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::app::{spawn, App, Options, Role, Workspace};
use common::poll;
use common::postgres::{psql, Database};
use pyexec::config::HistorySettings;
use pyexec::history::{History, Received, Row};
use pyexec::models::{RunStatus, Source};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn options(url: Option<&str>, workspace: Option<&Arc<Workspace>>) -> Options {
    let mut options = Options::default().pool_size(2);
    if let Some(url) = url {
        options = options.env(&[("PYEXEC_HISTORY__URL", url)]);
    }
    if let Some(workspace) = workspace {
        options = options.workspace(workspace);
    }
    options
}

fn run(app: &App, code: &str, request_id: &str) -> (u16, Value) {
    app.post(
        "/api/v1/execute_snippet",
        &json!({"code": code, "request_id": request_id}),
        &[],
    )
}

fn page(app: &App, query: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/executions?{query}"));
    assert_eq!(status, 200, "{body}");
    body
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["request_id"].as_str().expect("request_id").to_owned())
        .collect()
}

/// Waits until the history holds `n` records (lightweight runs are written off the
/// request's path).
fn wait_for_records(app: &App, n: usize) {
    poll(WAIT, Duration::from_millis(50), || {
        let got = ids(&page(app, "limit=500")).len();
        if got >= n {
            Ok(())
        } else {
            Err(format!("{got} records of {n}"))
        }
    });
}

fn wait_job_done(app: &App, job_id: &str) -> Value {
    poll(Duration::from_secs(120), Duration::from_millis(100), || {
        let (status, body) = app.get(&format!("/api/v1/jobs/{job_id}"));
        assert_eq!(status, 200, "{body}");
        match body["status"].as_str() {
            Some("succeeded" | "failed" | "cancelled") => Ok(body),
            other => Err(format!("job still {other:?}")),
        }
    })
}

const RANDOM: &str = "import random\nprint(random.random())\n";

fn records_filter_page_survive_a_restart_and_settle_resent_ids(url: Option<&str>) {
    let workspace = Workspace::new();
    let app = spawn(Role::Executor, options(url, Some(&workspace)));
    for i in 1..=3 {
        let (status, body) = run(&app, &format!("print({i})\n"), &format!("batch-{i}"));
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("ok")),
            "{body}"
        );
    }
    let (_, body) = run(&app, "raise ValueError('no')\n", "batch-err");
    assert_eq!(body["status"], "error");
    let (_, body) = run(&app, "import os\nprint(os.getcwd())\n", "other-rejected");
    assert_eq!(body["status"], "rejected");
    let (status, created) = app.post(
        "/api/v1/create_heavy_job",
        &json!({"code": "print(6 * 7)\n", "request_id": "job-1", "tier": "heavy"}),
        &[],
    );
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    let job = wait_job_done(&app, &job_id);
    assert_eq!(job["status"], "succeeded", "{job}");
    wait_for_records(&app, 6);

    // Filters.
    let ok = ids(&page(&app, "status=ok"));
    assert_eq!(
        ok.iter().collect::<HashSet<_>>(),
        ["batch-1", "batch-2", "batch-3"]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .iter()
            .collect::<HashSet<_>>()
    );
    let failed = ids(&page(&app, "status=error,rejected"));
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(ids(&page(&app, "request_id_prefix=batch-")).len(), 4);
    assert_eq!(ids(&page(&app, "tier=heavy")), ["job-1"]);
    // The job's end is written as it happens, a moment after its record changes.
    let jobs = poll(WAIT, Duration::from_millis(50), || {
        let jobs = app.get("/api/v1/jobs").1;
        match jobs["items"][0]["status"].as_str() {
            Some("succeeded") => Ok(jobs),
            other => Err(format!("job-1 is {other:?} in the history")),
        }
    });
    assert_eq!(ids(&jobs), ["job-1"]);
    assert_eq!(jobs["items"][0]["job_id"], job_id.as_str());
    assert_eq!(ids(&page(&app, "since=2999-01-01T00:00:00Z")).len(), 0);
    assert_eq!(ids(&page(&app, "until=2999-01-01T00:00:00Z")).len(), 6);
    assert_eq!(ids(&page(&app, "source=rest")).len(), 6);
    assert_eq!(ids(&page(&app, "source=event")).len(), 0);
    for bad in [
        "status=fine",
        "tier=medium",
        "since=yesterday",
        "cursor=zz",
        "limit=0",
    ] {
        let (status, body) = app.get(&format!("/api/v1/executions?{bad}"));
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["kind"], "bad_request");
    }

    // Pages of two, newest first, every record once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".to_owned(),
        };
        let body = page(&app, &query);
        pages += 1;
        let items = body["items"].as_array().expect("items").clone();
        assert!(items.len() <= 2);
        seen.extend(items);
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let unique: HashSet<_> = seen
        .iter()
        .map(|r| r["request_id"].clone().to_string())
        .collect();
    assert_eq!(unique.len(), 6);
    let times: Vec<&str> = seen
        .iter()
        .map(|r| r["received_at"].as_str().expect("time"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );

    // One record in full.
    let (status, one) = app.get("/api/v1/executions/batch-2");
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["code"], "print(2)\n");
    assert_eq!(one["result"]["stdout"], "2\n");
    assert_eq!(one["tier"], "lightweight");
    assert!(one["duration_ms"].as_f64().expect("duration") > 0.0);
    assert_eq!(one["code_sha256"].as_str().expect("hash").len(), 64);
    let (_, rejected) = app.get("/api/v1/executions/other-rejected");
    assert_eq!(rejected["status"], "rejected");
    assert!(!rejected["findings"]
        .as_array()
        .expect("findings")
        .is_empty());
    assert_eq!(app.get("/api/v1/executions/never-sent").0, 404);

    // A resent request id is answered from its record: the random number is the first run's.
    let (_, first) = run(&app, RANDOM, "rand-1");
    assert_eq!(first["status"], "ok");
    let (_, again) = run(&app, RANDOM, "rand-1");
    assert_eq!(again["stdout"], first["stdout"], "ran twice");
    let (status, conflict) = run(&app, "print('something else')\n", "rand-1");
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["error"]["kind"], "conflict");
    let (status, conflict) = app.post(
        "/api/v1/create_heavy_job",
        &json!({"code": RANDOM, "request_id": "rand-1", "tier": "heavy"}),
        &[],
    );
    assert_eq!(status, 409, "a run's id cannot name a job: {conflict}");
    // The same heavy request again names the same job.
    let (status, same) = app.post(
        "/api/v1/create_heavy_job",
        &json!({"code": "print(6 * 7)\n", "request_id": "job-1", "tier": "heavy"}),
        &[],
    );
    assert_eq!(
        (status, same["job_id"].as_str()),
        (202, Some(job_id.as_str()))
    );
    wait_for_records(&app, 7);
    assert_eq!(ids(&page(&app, "request_id_prefix=rand-")).len(), 1);

    // Restart: the records are still there, and still settle resent ids.
    app.terminate();
    let mut app = app;
    assert_eq!(app.wait_exit(WAIT), Some(0));
    drop(app);
    let app = spawn(Role::Executor, options(url, Some(&workspace)));
    assert_eq!(ids(&page(&app, "limit=500")).len(), 7);
    let (_, after) = run(&app, RANDOM, "rand-1");
    assert_eq!(
        after["stdout"], first["stdout"],
        "ran again after the restart"
    );
    let (status, job) = app.get(&format!("/api/v1/jobs/{job_id}"));
    assert_eq!(
        (status, job["status"].as_str()),
        (200, Some("succeeded")),
        "{job}"
    );
}

#[test]
fn sqlite_records_filter_page_survive_a_restart_and_settle_resent_ids() {
    records_filter_page_survive_a_restart_and_settle_resent_ids(None);
}

#[test]
fn postgres_records_filter_page_survive_a_restart_and_settle_resent_ids() {
    let db = Database::new("records");
    records_filter_page_survive_a_restart_and_settle_resent_ids(Some(&db.url()));
}

#[test]
fn callers_see_only_their_own_records() {
    let keys = [
        common::api_key("alice", &["execute", "jobs:read"], ""),
        common::api_key("bob", &["execute", "jobs:read"], ""),
        common::api_key("root", &["admin"], ""),
    ];
    let app = spawn(Role::Executor, Options::default().config(keys.join("\n")));
    let post = |who: &str, code: &str, id: &str| {
        app.post(
            "/api/v1/execute_snippet",
            &json!({"code": code, "request_id": id}),
            &[("authorization", &format!("Bearer {who}-key"))],
        )
    };
    assert_eq!(post("alice", "print('a')\n", "same-id").1["stdout"], "a\n");
    // The same id is another caller's own: no conflict, no replay.
    assert_eq!(post("bob", "print('b')\n", "same-id").1["stdout"], "b\n");
    let get = |who: &str, path: &str| {
        let response = ureq::get(&app.url(path))
            .set("authorization", &format!("Bearer {who}-key"))
            .call();
        match response {
            Ok(r) => (r.status(), r.into_json::<Value>().expect("json")),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json::<Value>().expect("json")),
            Err(err) => panic!("{err}"),
        }
    };
    poll(WAIT, Duration::from_millis(50), || {
        let n = get("root", "/api/v1/executions").1["items"]
            .as_array()
            .map_or(0, Vec::len);
        if n == 2 {
            Ok(())
        } else {
            Err(format!("{n} records"))
        }
    });
    let alice = get("alice", "/api/v1/executions").1;
    assert_eq!(alice["items"].as_array().expect("items").len(), 1);
    assert_eq!(alice["items"][0]["owner"], "key:alice");
    assert_eq!(
        get("alice", "/api/v1/executions/same-id").1["result"]["stdout"],
        "a\n"
    );
    assert_eq!(
        get("bob", "/api/v1/executions/same-id").1["result"]["stdout"],
        "b\n"
    );
    // Owner filters are the admin's; a caller's own filter is ignored for others.
    assert_eq!(
        get("alice", "/api/v1/executions?owner=key:bob").1["items"][0]["owner"],
        "key:alice"
    );
    assert_eq!(
        get("root", "/api/v1/executions?owner=key:bob").1["items"]
            .as_array()
            .expect("items")
            .len(),
        1
    );
}

fn settings(queue: usize) -> HistorySettings {
    HistorySettings {
        queue_capacity: queue,
        retention_interval_secs: 3600,
        ..HistorySettings::default()
    }
}

fn row(id: &str, received_at: i64, status: RunStatus) -> Row {
    let received = Received {
        id: format!("id-{id}"),
        request_id: id.to_owned(),
        owner: "anonymous".to_owned(),
        source: Source::Rest,
        received_at,
        code_sha256: pyexec::history::code_hash(id),
        code: None,
        attempts: None,
        traceparent: None,
    };
    Row::new(&received, status)
}

#[test]
fn retention_deletes_old_and_surplus_records_but_keeps_unfinished_jobs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/h.db", dir.path().display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    runtime.block_on(async {
        let mut settings = settings(100);
        settings.retention_days = 0;
        settings.retention_rows = 0;
        let history = History::open(&url, &settings, None).await.expect("open");
        let day = 86_400_000;
        let now = pyexec::history::now_ms();
        for (i, age_days) in [10, 9, 8, 1, 0].iter().enumerate() {
            history.record(row(&format!("r{i}"), now - age_days * day, RunStatus::Ok));
        }
        // An old job still running stays whatever the rules.
        let mut job = row("job", now - 20 * day, RunStatus::Running);
        job.job_id = Some("pyexec-job".to_owned());
        history.record(job);
        assert!(history.flush(WAIT).await);
        assert_eq!(history.count().await.expect("count"), 6);
        drop(history);

        settings.retention_days = 5;
        let history = History::open(&url, &settings, None).await.expect("open");
        history.retain_now().await.expect("retain");
        assert_eq!(
            history.count().await.expect("count"),
            3,
            "r0..r2 are over 5 days old"
        );
        settings.retention_days = 0;
        settings.retention_rows = 1;
        drop(history);
        let history = History::open(&url, &settings, None).await.expect("open");
        history.retain_now().await.expect("retain");
        let left: Vec<String> = history
            .list(&pyexec::history::Filter {
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("list")
            .into_iter()
            .map(|r| r.request_id)
            .collect();
        assert_eq!(
            left,
            ["r4", "job"],
            "the newest record and the unfinished job"
        );
    });
}

#[test]
fn a_full_write_queue_is_counted_and_logged_never_silent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/h.db", dir.path().display());
    let metrics = Arc::new(pyexec::metrics::Metrics::new());
    // One thread: the writer cannot run while this test enqueues without awaiting.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    runtime.block_on(async {
        let history = History::open(&url, &settings(3), Some(Arc::clone(&metrics)))
            .await
            .expect("open");
        let now = pyexec::history::now_ms();
        for i in 0..10 {
            history.record(row(&format!("q{i}"), now, RunStatus::Ok));
        }
        let text = metrics.encode(false).expect("encode");
        assert!(text.contains("pyexec_history_dropped_total 7"), "{text}");
        assert!(text.contains("pyexec_history_queue_depth 3"), "{text}");
        assert!(history.flush(WAIT).await);
        assert_eq!(history.count().await.expect("count"), 3);
        let text = metrics.encode(false).expect("encode");
        assert!(text.contains("pyexec_history_written_total 3"), "{text}");
        assert!(text.contains("pyexec_history_queue_depth 0"), "{text}");
    });
}

#[test]
fn readiness_follows_the_history_database() {
    let db = Database::new("ready");
    let app = spawn(Role::Executor, options(Some(&db.url()), None));
    let ready = |app: &App| match ureq::get(&app.url("/api/v1/health/ready")).call() {
        Ok(r) => (r.status(), r.into_json::<Value>().expect("json")),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json::<Value>().expect("json")),
        Err(err) => panic!("{err}"),
    };
    poll(WAIT, Duration::from_millis(100), || match ready(&app) {
        (200, _) => Ok(()),
        other => Err(format!("{other:?}")),
    });
    psql(&format!("DROP DATABASE {} WITH (FORCE)", db.name)).expect("drop");
    let body = poll(WAIT, Duration::from_millis(100), || match ready(&app) {
        (503, body) => Ok(body),
        other => Err(format!("still {other:?}")),
    });
    assert_eq!(body["ready"], false);
    assert!(body["reasons"].to_string().contains("history"), "{body}");
    psql(&format!("CREATE DATABASE {}", db.name)).expect("create");
    poll(WAIT, Duration::from_millis(100), || match ready(&app) {
        (200, _) => Ok(()),
        other => Err(format!("{other:?}")),
    });
}

#[test]
fn jobs_nothing_follows_are_settled_at_start_up_and_running_jobs_cancel() {
    let workspace = Workspace::new();
    std::fs::create_dir_all(workspace.state()).expect("state dir");
    let url = format!(
        "sqlite://{}/history.db",
        workspace.state().canonicalize().expect("abs").display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    runtime.block_on(async {
        let history = History::open(&url, &settings(10), None)
            .await
            .expect("open");
        let mut lost = row(
            "lost-job",
            pyexec::history::now_ms() - 60_000,
            RunStatus::Running,
        );
        lost.id = pyexec::jobs::job_id("lost-job");
        lost.job_id = Some(lost.id.clone());
        history.record_job(&lost).await.expect("record");
    });
    drop(runtime);
    let app = spawn(Role::Executor, options(None, Some(&workspace)));
    let lost_id = pyexec::jobs::job_id("lost-job");
    let (status, job) = app.get(&format!("/api/v1/jobs/{lost_id}"));
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["error"].as_str().expect("error").contains("lost"),
        "{job}"
    );

    // A running job, cancelled.
    let (status, created) = app.post(
        "/api/v1/create_heavy_job",
        &json!({"code": "import time\nprint('started', flush=True)\ntime.sleep(120)\n", "request_id": "sleepy", "tier": "heavy"}),
        &[],
    );
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job id").to_owned();
    poll(WAIT, Duration::from_millis(50), || {
        match app.get(&format!("/api/v1/jobs/{job_id}")).1["status"].as_str() {
            Some("running") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    let response = ureq::delete(&app.url(&format!("/api/v1/jobs/{job_id}")))
        .call()
        .expect("delete");
    assert_eq!(response.status(), 200);
    let job = wait_job_done(&app, &job_id);
    assert_eq!(job["status"], "cancelled", "{job}");
    assert!(job["error"]
        .as_str()
        .expect("error")
        .contains("cancelled by anonymous"));
    poll(WAIT, Duration::from_millis(50), || {
        match app.get("/api/v1/executions/sleepy").1["status"].as_str() {
            Some("cancelled") => Ok(()),
            other => Err(format!("history says {other:?}")),
        }
    });
    // Cancelling what ended answers it as it is; another id is a 404.
    let again = ureq::delete(&app.url(&format!("/api/v1/jobs/{job_id}")))
        .call()
        .expect("delete");
    assert_eq!(
        again.into_json::<Value>().expect("json")["status"],
        "cancelled"
    );
    match ureq::delete(&app.url("/api/v1/jobs/pyexec-nothing-0000")).call() {
        Err(ureq::Error::Status(404, _)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_history_command_reads_the_same_records() {
    let workspace = Workspace::new();
    let app = spawn(Role::Executor, options(None, Some(&workspace)));
    run(&app, "print('from the api')\n", "cli-1");
    run(&app, "1/0\n", "cli-2");
    wait_for_records(&app, 2);
    let pyexec = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyexec"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PYEXEC_") {
                command.env_remove(key);
            }
        }
        let out = command
            .arg("history")
            .args(args)
            .env("PYEXEC_JOBS__STATE_DIR", workspace.state())
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let json: Value = serde_json::from_str(&pyexec(&["--format", "json"])).expect("json");
    let ids: Vec<&str> = json
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["request_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["cli-2", "cli-1"]);
    let table = pyexec(&["--status", "error"]);
    assert!(table.starts_with("RECEIVED"), "{table}");
    assert!(
        table.contains("cli-2") && !table.contains("cli-1"),
        "{table}"
    );
    let one: Value =
        serde_json::from_str(&pyexec(&["show", "cli-1", "--format", "json"])).expect("json");
    assert_eq!(one["result"]["stdout"], "from the api\n");
    assert_eq!(one["code"], "print('from the api')\n");
}

#[test]
fn twins_under_one_request_id_share_one_run_and_a_vanished_client_frees_its_id() {
    let app = spawn(Role::Executor, Options::default().pool_size(2));
    let slow_random = "import random, time\ntime.sleep(0.5)\nprint(random.random())\n";
    let answers: Vec<Value> = std::thread::scope(|scope| {
        let twins: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| run(&app, slow_random, "twin-1").1))
            .collect();
        twins
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect()
    });
    assert_eq!(answers[0]["status"], "ok", "{}", answers[0]);
    assert_eq!(
        answers[0]["stdout"], answers[1]["stdout"],
        "the twins ran twice"
    );
    wait_for_records(&app, 1);
    assert_eq!(ids(&page(&app, "request_id_prefix=twin-")).len(), 1);

    // A client that leaves before its answer: the id is not left claimed.
    let body = json!({"code": slow_random, "request_id": "left-1"}).to_string();
    let gone = ureq::post(&app.url("/api/v1/execute_snippet"))
        .timeout(Duration::from_millis(100))
        .set("content-type", "application/json")
        .send_string(&body);
    assert!(gone.is_err(), "the client timed out");
    let (status, answer) = run(&app, slow_random, "left-1");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "ok", "{answer}");
    let (status, again) = run(&app, slow_random, "left-1");
    assert_eq!((status, &again["stdout"]), (200, &answer["stdout"]));

    // The trace a request came in with is kept with its record.
    let trace = "0af7651916cd43dd8448eb211c80319c";
    let (status, _) = app.post(
        "/api/v1/execute_snippet",
        &json!({"code": "print(1)", "request_id": "traced-1"}),
        &[("traceparent", &format!("00-{trace}-b7ad6b7169203331-01"))],
    );
    assert_eq!(status, 200);
    let record = poll(WAIT, Duration::from_millis(50), || {
        match app.get("/api/v1/executions/traced-1") {
            (200, record) => Ok(record),
            other => Err(format!("{other:?}")),
        }
    });
    assert!(
        record["traceparent"]
            .as_str()
            .is_some_and(|t| t.contains(trace)),
        "{record}"
    );
}

/// `ClaimGuard::finish_durably`, `History::record_durably` and `History::ensure_durable`
/// (event triggers settle their message only after these): the row is in the database when
/// they return, as another connection sees at once; when the database is gone they fail
/// within their bound, and the row is still answered from memory (a resend does not run
/// the program again).
#[test]
fn durable_writes_are_in_the_database_when_they_return_and_fail_when_it_is_gone() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let within = Duration::from_secs(3);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/h.db", dir.path().display());
    runtime.block_on(async {
        let history = History::open(&url, &settings(100), None)
            .await
            .expect("open");
        let other = History::open(&url, &settings(100), None)
            .await
            .expect("open");
        let done = row("d1", pyexec::history::now_ms(), RunStatus::Ok);
        let received = received_of(&done);
        let pyexec::history::Claim::New(guard) =
            history.claim(&received, false).await.expect("claim")
        else {
            panic!("a new request id")
        };
        guard
            .finish_durably(done.clone(), within)
            .await
            .expect("durable");
        assert!(
            other.get("id-d1").await.expect("get").is_some(),
            "in the database"
        );
        let plain = row("d2", pyexec::history::now_ms(), RunStatus::Ok);
        history
            .record_durably(plain, within)
            .await
            .expect("durable");
        assert!(other.get("id-d2").await.expect("get").is_some());
        // Queued by the asynchronous path, then made durable on demand.
        history.record(row("d3", pyexec::history::now_ms(), RunStatus::Ok));
        history
            .ensure_durable("id-d3", within)
            .await
            .expect("durable");
        assert!(other.get("id-d3").await.expect("get").is_some());
    });
    let database = Database::new("durable");
    runtime.block_on(async {
        let history = History::open(&database.url(), &settings(100), None)
            .await
            .expect("open");
        let lost = row("gone", pyexec::history::now_ms(), RunStatus::Ok);
        let received = received_of(&lost);
        let pyexec::history::Claim::New(guard) =
            history.claim(&received, false).await.expect("claim")
        else {
            panic!("a new request id")
        };
        psql(&format!("DROP DATABASE {} WITH (FORCE)", database.name)).expect("drop");
        let started = std::time::Instant::now();
        let result = guard.finish_durably(lost.clone(), within).await;
        assert!(result.is_err(), "the database is gone: not durable");
        assert!(
            started.elapsed() < within + Duration::from_secs(3),
            "bounded"
        );
        // Still answered from memory: a resend is not run again while this process lives.
        match history.claim(&received, false).await {
            Ok(pyexec::history::Claim::Recorded(row)) => assert_eq!(row.request_id, "gone"),
            other => panic!("answered from memory, got {other:?}"),
        }
        assert!(history
            .ensure_durable("id-gone", Duration::from_millis(500))
            .await
            .is_err());
    });
}

/// Group commit: durable writes that wait at the same time share transactions (event
/// triggers settle a burst of messages without one transaction each), and every one of them
/// is in the database when it returns.
#[test]
fn durable_writes_waiting_together_share_transactions() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/h.db", dir.path().display());
    let metrics = Arc::new(pyexec::metrics::Metrics::new());
    runtime.block_on(async {
        let history = History::open(&url, &settings(1000), Some(Arc::clone(&metrics)))
            .await
            .expect("open");
        let now = pyexec::history::now_ms();
        let writes = (0..300).map(|i| {
            let history = history.clone();
            async move {
                history
                    .record_durably(row(&format!("g{i}"), now, RunStatus::Ok), WAIT)
                    .await
            }
        });
        for result in futures::future::join_all(writes).await {
            result.expect("durable");
        }
        assert_eq!(history.count().await.expect("count"), 300);
        let text = metrics.encode(false).expect("encode");
        assert!(text.contains("pyexec_history_written_total 300"), "{text}");
        let transactions: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("pyexec_history_write_duration_seconds_count "))
            .and_then(|n| n.trim().parse().ok())
            .expect("the write-duration histogram's count");
        assert!(
            (1..=30).contains(&transactions),
            "300 writes waiting together took {transactions} transactions"
        );
    });
}

fn received_of(row: &Row) -> Received {
    Received {
        id: row.id.clone(),
        request_id: row.request_id.clone(),
        owner: row.owner.clone(),
        source: Source::Event,
        received_at: row.received_at,
        code_sha256: row.code_sha256.clone(),
        code: None,
        attempts: None,
        traceparent: None,
    }
}
