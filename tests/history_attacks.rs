//! The run history attacked as a hostile caller would: reading or changing another caller's
//! records, jobs and code through every history endpoint and filter, crafted cursors and
//! limits, the delegate header, SQL through the filters, and requests made to break the
//! history for everyone (a record PostgreSQL cannot store, a flood that evicts others'
//! records, a refusal or a spoofed source that rewrites a settled record, escapes replayed
//! on the operator's terminal by `pyexec history show`).
//!
//! Every test asserts the SAFE behaviour: one that fails shows a hole still open.

mod common;

use std::process::Command;
use std::time::Duration;

use common::app::{spawn, App, Options, Role, Workspace};
use common::poll;
use common::postgres::Database;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

const RANDOM: &str = "import random\nprint(random.random())\n";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The callers of these tests: two ordinary callers, an attacker, an admin, two delegates.
fn keys() -> String {
    let all = ["execute", "jobs:read", "jobs:write"];
    let mut text = String::from("[auth]\nrate_per_sec = 0\nburst = 2\n");
    for entry in [
        common::api_key("alice", &all, ""),
        common::api_key("bob", &all, ""),
        common::api_key("mallory", &all, ""),
        common::api_key("root", &["admin"], ""),
        common::api_key(
            "d1",
            &["execute", "jobs:read", "jobs:write", "delegate"],
            "",
        ),
        common::api_key(
            "d2",
            &["execute", "jobs:read", "jobs:write", "delegate"],
            "",
        ),
    ] {
        text.push_str(&entry);
    }
    text
}

fn start(
    url: Option<&str>,
    env: &[(&str, &str)],
    workspace: Option<&std::sync::Arc<Workspace>>,
) -> App {
    let mut options = Options::default().pool_size(2).config(keys()).env(env);
    if let Some(url) = url {
        options = options.env(&[("PYEXEC_HISTORY__URL", url)]);
    }
    if let Some(workspace) = workspace {
        options = options.workspace(workspace);
    }
    spawn(Role::Executor, options)
}

/// The answer's status and body (JSON when it is, else the text as a JSON string).
fn answer(result: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(err) => panic!("transport error (the service crashed or hung up?): {err}"),
    };
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

fn with_headers(mut request: ureq::Request, key: &str, extra: &[(&str, &str)]) -> ureq::Request {
    request = request.set("authorization", &format!("Bearer {key}-key"));
    for (k, v) in extra {
        request = request.set(k, v);
    }
    request
}

fn get_as(app: &App, key: &str, path: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    answer(with_headers(ureq::get(&app.url(path)), key, extra).call())
}

fn delete_as(app: &App, key: &str, path: &str) -> (u16, Value) {
    answer(with_headers(ureq::delete(&app.url(path)), key, &[]).call())
}

fn post_as(app: &App, key: &str, path: &str, body: &Value, extra: &[(&str, &str)]) -> (u16, Value) {
    answer(
        with_headers(ureq::post(&app.url(path)), key, extra)
            .set("content-type", "application/json")
            .send_string(&body.to_string()),
    )
}

fn run_as(app: &App, key: &str, code: &str, request_id: &str) -> (u16, Value) {
    post_as(
        app,
        key,
        "/api/v1/execute_snippet",
        &json!({"code": code, "request_id": request_id}),
        &[],
    )
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

fn request_ids(page: &Value) -> Vec<String> {
    items(page)
        .iter()
        .map(|r| r["request_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn owners(page: &Value) -> Vec<String> {
    items(page)
        .iter()
        .map(|r| r["owner"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Waits until `key` lists (from the database, not memory) a record of `request_id`.
fn wait_listed(app: &App, key: &str, request_id: &str, extra: &[(&str, &str)]) {
    poll(WAIT, Duration::from_millis(50), || {
        let (status, page) = get_as(
            app,
            key,
            &format!("/api/v1/executions?request_id_prefix={request_id}&limit=500"),
            extra,
        );
        if status == 200 && request_ids(&page).iter().any(|r| r == request_id) {
            Ok(())
        } else {
            Err(format!(
                "{request_id} is not in {key}'s history: {status} {page}"
            ))
        }
    });
}

fn hex(text: &[u8]) -> String {
    text.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------
// Cross-caller reads and effects (these hold: regression guards)
// ---------------------------------------------------------------------------------------

/// Bob tries every history endpoint, filter and cursor to reach Alice's records, code and
/// jobs, and to cancel her job; SQL through the filters; a delegate tries to reach another
/// delegate's users. Nothing of Alice's shows, nothing of hers changes.
#[test]
fn another_callers_records_code_and_jobs_stay_out_of_reach() {
    let app = start(None, &[], None);
    assert_eq!(
        run_as(&app, "alice", "print('alice-secret')\n", "shared-1").0,
        200
    );
    assert_eq!(
        run_as(&app, "alice", "print('alice-only')\n", "alice-only-7").0,
        200
    );
    assert_eq!(run_as(&app, "bob", "print('bob')\n", "shared-1").0, 200);
    let (status, job) = post_as(
        &app,
        "alice",
        "/api/v1/create_heavy_job",
        &json!({"code": "import time\ntime.sleep(60)\n", "request_id": "alice-job"}),
        &[],
    );
    assert_eq!(status, 202, "{job}");
    let job_id = job["job_id"].as_str().expect("job id").to_owned();
    wait_listed(&app, "alice", "alice-only-7", &[]);
    wait_listed(&app, "alice", "alice-job", &[]);
    wait_listed(&app, "bob", "shared-1", &[]);

    // One record by request id: Bob's own, never Alice's.
    assert_eq!(
        get_as(&app, "bob", "/api/v1/executions/alice-only-7", &[]).0,
        404
    );
    let (status, own) = get_as(&app, "bob", "/api/v1/executions/shared-1", &[]);
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["owner"], "key:bob");
    assert_eq!(own["code"], "print('bob')\n");

    // Listings with every filter, an owner of his choosing, SQL in the values.
    for query in [
        "",
        "owner=key:alice",
        "owner=key%3Aalice",
        "request_id_prefix=alice",
        "request_id_prefix=shared",
        "status=ok,pending,running",
        "tier=heavy",
        "owner=%27%20OR%20%271%27%3D%271",
        "request_id_prefix=%27%20OR%20%271%27%3D%271",
        "request_id_prefix=%25",
        "request_id_prefix=_",
        "since=1970-01-01T00:00:00Z&until=2999-01-01T00:00:00Z",
        "limit=500",
    ] {
        for path in ["/api/v1/executions", "/api/v1/jobs"] {
            let (status, page) = get_as(&app, "bob", &format!("{path}?{query}"), &[]);
            assert_eq!(status, 200, "{path}?{query}: {page}");
            assert!(
                owners(&page).iter().all(|o| o == "key:bob"),
                "{path}?{query} showed another caller's records: {page}"
            );
        }
    }
    for query in [
        "status=ok%27%20OR%201%3D1--",
        "tier=heavy%27--",
        "source=rest%27--",
        "since=1%27%20OR%201%3D1",
    ] {
        let (status, page) = get_as(&app, "bob", &format!("/api/v1/executions?{query}"), &[]);
        assert_eq!(status, 400, "{query}: {page}");
    }

    // Cursors: Alice's own, and ones crafted to start anywhere.
    let (_, alice_page) = get_as(&app, "alice", "/api/v1/executions?limit=1", &[]);
    let alice_cursor = alice_page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    for cursor in [
        alice_cursor,
        hex(format!("{}.zzzz", i64::MAX).as_bytes()),
        hex(b"9999999999999.' OR '1'='1"),
        hex(b"9999999999999.pyexec-alice"),
        hex(format!("{}.", i64::MIN).as_bytes()),
    ] {
        for path in ["/api/v1/executions", "/api/v1/jobs"] {
            let (status, page) = get_as(&app, "bob", &format!("{path}?cursor={cursor}"), &[]);
            assert!(
                status == 200 || status == 400,
                "{path} cursor {cursor}: {status} {page}"
            );
            assert!(
                owners(&page).iter().all(|o| o == "key:bob"),
                "a crafted cursor showed another caller's records: {page}"
            );
        }
    }

    // Alice's job: not Bob's to read or cancel.
    assert_eq!(
        get_as(&app, "bob", &format!("/api/v1/jobs/{job_id}"), &[]).0,
        404
    );
    assert_eq!(
        delete_as(&app, "bob", &format!("/api/v1/jobs/{job_id}")).0,
        404
    );
    let (status, mine) = get_as(&app, "alice", &format!("/api/v1/jobs/{job_id}"), &[]);
    assert_eq!(status, 200, "{mine}");
    assert_ne!(
        mine["status"], "cancelled",
        "Bob cancelled Alice's job: {mine}"
    );
    // Bob's own request under Alice's job's request id makes his own job, not hers.
    let (status, his) = post_as(
        &app,
        "bob",
        "/api/v1/create_heavy_job",
        &json!({"code": "import time\ntime.sleep(60)\n", "request_id": "alice-job"}),
        &[],
    );
    assert_eq!(status, 202, "{his}");
    assert_ne!(his["job_id"].as_str(), Some(job_id.as_str()));
    let his_id = his["job_id"].as_str().expect("job id").to_owned();

    // The table is intact after the injections: the admin still sees everyone's.
    let (_, everything) = get_as(&app, "root", "/api/v1/executions?limit=500", &[]);
    assert!(
        owners(&everything).iter().any(|o| o == "key:alice"),
        "{everything}"
    );

    // Delegates: d1's user u is neither d2's user u nor reachable by naming it.
    let d1u = [("x-pyexec-on-behalf-of", "u")];
    assert_eq!(
        post_as(
            &app,
            "d1",
            "/api/v1/execute_snippet",
            &json!({"code": "print('d1u')\n", "request_id": "dl-1"}),
            &d1u
        )
        .0,
        200
    );
    wait_listed(&app, "d1", "dl-1", &d1u);
    for (key, header) in [
        ("d2", "u"),
        ("d2", "key:d1/u"),
        ("d2", "..%2Fd1%2Fu"),
        ("d1", "v"),
    ] {
        let as_user = [("x-pyexec-on-behalf-of", header)];
        assert_eq!(
            get_as(&app, key, "/api/v1/executions/dl-1", &as_user).0,
            404,
            "{key} as {header}"
        );
        let (status, page) = get_as(&app, key, "/api/v1/executions?owner=key:d1/u", &as_user);
        assert_eq!(status, 200, "{page}");
        assert!(
            items(&page).is_empty(),
            "{key} as {header} saw d1's user: {page}"
        );
    }
    // The delegate itself (no header) sees its own records only, not its users'.
    let (_, d1_own) = get_as(&app, "d1", "/api/v1/executions", &[]);
    assert!(items(&d1_own).is_empty(), "{d1_own}");
    // A caller without the delegate scope cannot take a user's name.
    assert_eq!(
        get_as(
            &app,
            "bob",
            "/api/v1/executions",
            &[("x-pyexec-on-behalf-of", "u")]
        )
        .0,
        403
    );

    // Clean up the sleeping runners (they outlive the executor).
    assert_eq!(
        delete_as(&app, "alice", &format!("/api/v1/jobs/{job_id}")).0,
        200
    );
    assert_eq!(
        delete_as(&app, "bob", &format!("/api/v1/jobs/{his_id}")).0,
        200
    );
}

/// Malformed, huge, negative, non-UTF-8 cursors and absurd limits are 400s (or a page), never
/// a crash or a 500; the service keeps answering.
#[test]
fn malformed_cursors_limits_and_ids_are_refused_never_crash() {
    let app = start(None, &[], None);
    assert_eq!(run_as(&app, "alice", "print(1)\n", "c-1").0, 200);
    wait_listed(&app, "alice", "c-1", &[]);
    let huge = "a".repeat(514);
    let odd = "abc".to_owned();
    for (query, expected) in [
        (format!("cursor={huge}"), 400),
        (format!("cursor={}", "31".repeat(256)), 400),
        (format!("cursor={odd}"), 400),
        ("cursor=zz".to_owned(), 400),
        ("cursor=ff".to_owned(), 400),
        ("cursor=ffff2e78".to_owned(), 400),
        ("cursor=a%C3%A9b".to_owned(), 400),
        ("cursor=%C3%A9".to_owned(), 400),
        ("cursor=%F0%9F%98%80%F0%9F%98%80".to_owned(), 400),
        (format!("cursor={}", hex(b"99999999999999999999999.x")), 400),
        (format!("cursor={}", hex(b"no-dot")), 400),
        (format!("cursor={}", hex(b"-5.x")), 200),
        (format!("cursor={}", hex(b"1.")), 200),
        ("limit=18446744073709551615".to_owned(), 200),
        ("limit=99999999999999999999999".to_owned(), 400),
        ("limit=-1".to_owned(), 400),
        ("limit=0".to_owned(), 400),
        ("limit=1e3".to_owned(), 400),
        ("since=9999-12-31T23:59:59Z".to_owned(), 200),
        ("since=0001-01-01T00:00:00Z".to_owned(), 400),
        ("status=".to_owned(), 400),
        (format!("status={}", ["ok"; 3000].join(",")), 200),
        ("status=ok&status=error".to_owned(), 400),
    ] {
        let (status, body) = get_as(&app, "alice", &format!("/api/v1/executions?{query}"), &[]);
        assert!(status < 500, "{query}: {status} {body}");
        assert_eq!(status, expected, "{query}: {body}");
        if status == 200 {
            assert!(items(&body).len() <= 500);
        }
    }
    for path in [
        format!("/api/v1/executions/{}", "x".repeat(5000)),
        "/api/v1/executions/%FF%FE".to_owned(),
        "/api/v1/executions/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/v1/jobs/..%2F..%2Fetc".to_owned(),
        "/api/v1/jobs/%FF".to_owned(),
    ] {
        for key in ["alice", "root"] {
            let (status, body) = get_as(&app, key, &path, &[]);
            assert!(
                status == 400 || status == 404,
                "{key} {path}: {status} {body}"
            );
        }
    }
    assert_eq!(app.get("/api/v1/health/live").0, 200);
}

// ---------------------------------------------------------------------------------------
// Findings (these fail while the hole is open)
// ---------------------------------------------------------------------------------------

/// FINDING (PostgreSQL): a program with a NUL byte is refused (400), but its refusal is
/// recorded with the code, and PostgreSQL cannot store a NUL in text. The writer keeps the
/// failing batch and retries it forever: from then on no one's record is written (and the
/// queue fills and drops everyone's). One request from any caller with `execute`.
#[test]
fn postgres_one_callers_nul_byte_does_not_stop_everyone_elses_records() {
    let db = Database::new("nul");
    let app = start(Some(&db.url()), &[], None);
    let (status, body) = post_as(
        &app,
        "mallory",
        "/api/v1/execute_snippet",
        &json!({"code": "print(1)\u{0}"}),
        &[],
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = run_as(&app, "alice", "print('alice')\n", "after-poison");
    assert_eq!(status, 200, "{body}");
    // Alice's run reaches the database (the listing reads the database, not memory).
    wait_listed(&app, "alice", "after-poison", &[]);
}

/// FINDING (PostgreSQL): NUL bytes in a filter or a cursor are handed to PostgreSQL, which
/// fails the query: 503 "the run history is unavailable" and an ERROR log line, at will,
/// instead of a 400. (Holds on SQLite; the SQLite variant guards it.)
fn nul_in_filters_is_a_bad_request_not_an_outage(url: Option<&str>) {
    let app = start(url, &[], None);
    assert_eq!(run_as(&app, "alice", "print(1)\n", "n-1").0, 200);
    wait_listed(&app, "alice", "n-1", &[]);
    for (key, path) in [
        (
            "alice",
            "/api/v1/executions?request_id_prefix=%00".to_owned(),
        ),
        (
            "alice",
            "/api/v1/executions?request_id_prefix=n%00".to_owned(),
        ),
        (
            "alice",
            format!("/api/v1/executions?cursor={}", hex(b"99999999999999.\0")),
        ),
        (
            "alice",
            format!("/api/v1/jobs?cursor={}", hex(b"99999999999999.a\0b")),
        ),
        ("root", "/api/v1/executions?owner=%00".to_owned()),
        ("root", "/api/v1/executions/n%00".to_owned()),
        ("alice", "/api/v1/executions/n%00".to_owned()),
    ] {
        let (status, body) = get_as(&app, key, &path, &[]);
        assert!(status < 500, "{key} {path}: {status} {body}");
    }
}

#[test]
fn sqlite_nul_in_filters_is_a_bad_request_not_an_outage() {
    nul_in_filters_is_a_bad_request_not_an_outage(None);
}

#[test]
fn postgres_nul_in_filters_is_a_bad_request_not_an_outage() {
    let db = Database::new("nulfilter");
    nul_in_filters_is_a_bad_request_not_an_outage(Some(&db.url()));
}

/// FINDING: a refusal decided before the request id is looked up (code with a NUL byte)
/// is recorded under the id with an upsert that replaces every column: the settled run of
/// that id (its code, result, status) is overwritten by a `refused` row. A caller can so
/// erase the record of what it ran (the operator's audit trail), and its next resend of
/// the program runs it again instead of getting the recorded run.
#[test]
fn a_refused_request_does_not_overwrite_a_settled_record() {
    let app = start(None, &[], None);
    let (status, first) = run_as(&app, "alice", RANDOM, "evidence-1");
    assert_eq!(
        (status, first["status"].as_str()),
        (200, Some("ok")),
        "{first}"
    );
    wait_listed(&app, "alice", "evidence-1", &[]);
    let (status, body) = post_as(
        &app,
        "alice",
        "/api/v1/execute_snippet",
        &json!({"code": "print(2)\u{0}", "request_id": "evidence-1"}),
        &[],
    );
    assert!(status == 400 || status == 409, "{status} {body}");
    // The writer is first in, first out: once a later record is written, so is the refusal.
    assert_eq!(run_as(&app, "alice", "print(3)\n", "marker-1").0, 200);
    wait_listed(&app, "alice", "marker-1", &[]);
    let (status, record) = get_as(&app, "alice", "/api/v1/executions/evidence-1", &[]);
    assert_eq!(status, 200, "{record}");
    assert_eq!(
        record["status"], "ok",
        "the settled record was overwritten: {record}"
    );
    assert_eq!(record["code"], RANDOM, "{record}");
    let (_, again) = run_as(&app, "alice", RANDOM, "evidence-1");
    assert_eq!(
        again["stdout"], first["stdout"],
        "the settled run ran again: {again}"
    );
}

/// FINDING: `x-pyexec-source: llm` (meant for the LLM role, whose ids are re-used by design)
/// is taken from any caller: it marks the caller's runs as the LLM's and switches the
/// request-id check off, so a different program runs under a settled id (no 409) and its
/// record replaces the settled one. Only a delegate should be believed.
#[test]
fn a_caller_without_delegate_cannot_pass_for_the_llm_role_to_replace_a_record() {
    let app = start(None, &[], None);
    let (status, first) = run_as(&app, "alice", RANDOM, "spoof-1");
    assert_eq!(
        (status, first["status"].as_str()),
        (200, Some("ok")),
        "{first}"
    );
    wait_listed(&app, "alice", "spoof-1", &[]);
    let (status, body) = post_as(
        &app,
        "alice",
        "/api/v1/execute_snippet",
        &json!({"code": "print('rewritten')\n", "request_id": "spoof-1"}),
        &[("x-pyexec-source", "llm"), ("x-pyexec-attempts", "7")],
    );
    assert_eq!(
        status, 409,
        "another program ran under a settled id by claiming to be the LLM role: {body}"
    );
    assert_eq!(run_as(&app, "alice", "print(3)\n", "marker-2").0, 200);
    wait_listed(&app, "alice", "marker-2", &[]);
    let (_, record) = get_as(&app, "alice", "/api/v1/executions/spoof-1", &[]);
    assert_eq!(
        record["code"], RANDOM,
        "the settled record was replaced: {record}"
    );
    assert_eq!(record["source"], "rest", "{record}");
}

/// FINDING: `limit=500` (the documented maximum) never gives a `next_cursor`: the executor
/// asks the history for 501 rows to see whether there is a next page, and the history caps
/// every query at 500, so a caller paging at the maximum silently stops after one page.
#[test]
fn a_full_page_of_500_still_has_a_next_cursor() {
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
        let settings = pyexec::config::HistorySettings {
            retention_interval_secs: 3600,
            ..Default::default()
        };
        let history = pyexec::history::History::open(&url, &settings, None)
            .await
            .expect("open");
        let now = pyexec::history::now_ms();
        for i in 0..501i64 {
            let request_id = format!("p-{i}");
            let received = pyexec::history::Received {
                id: pyexec::jobs::job_id_for("key:alice", &request_id),
                request_id,
                owner: "key:alice".to_owned(),
                source: pyexec::models::Source::Rest,
                received_at: now - 1000 + i,
                code_sha256: pyexec::history::code_hash("x"),
                code: None,
                attempts: None,
                traceparent: None,
            };
            history.record(pyexec::history::Row::new(
                &received,
                pyexec::models::RunStatus::Ok,
            ));
        }
        assert!(history.flush(WAIT).await);
        assert_eq!(history.count().await.expect("count"), 501);
    });
    drop(runtime);
    let app = start(None, &[], Some(&workspace));
    let (status, page) = get_as(&app, "alice", "/api/v1/executions?limit=500", &[]);
    assert_eq!(status, 200, "{page}");
    assert_eq!(items(&page).len(), 500);
    let cursor = page["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("501 records, a page of 500, and no next_cursor"));
    let (_, rest) = get_as(
        &app,
        "alice",
        &format!("/api/v1/executions?limit=500&cursor={cursor}"),
        &[],
    );
    assert_eq!(request_ids(&rest), ["p-0"]);
}

/// FINDING: `history.retention_rows` caps the whole table, so one caller's records push out
/// everyone else's: Bob's settled run is deleted once Mallory has run more than the cap
/// since (refusals count too, and cost Mallory nothing). Bob then loses his record and his
/// resend runs again. Here with a cap of 5; in production 1,000,000 rows, which a caller
/// with a modest rate fills in hours. The test assumes a per-caller cap as the fix: it
/// waits for retention to have trimmed Mallory's records, then asks for Bob's.
#[test]
fn one_callers_volume_does_not_evict_another_callers_records() {
    let app = start(
        None,
        &[
            ("PYEXEC_HISTORY__RETENTION_ROWS", "5"),
            ("PYEXEC_HISTORY__RETENTION_INTERVAL_SECS", "1"),
        ],
        None,
    );
    let (status, first) = run_as(&app, "bob", RANDOM, "bob-1");
    assert_eq!(
        (status, first["status"].as_str()),
        (200, Some("ok")),
        "{first}"
    );
    wait_listed(&app, "bob", "bob-1", &[]);
    for i in 0..10 {
        let (status, body) = run_as(&app, "mallory", "print(1)\n", &format!("m-{i}"));
        assert_eq!(status, 200, "{body}");
    }
    // Retention has run over Mallory's records: the newest is there, the surplus gone.
    poll(WAIT, Duration::from_millis(100), || {
        let (_, page) = get_as(
            &app,
            "root",
            "/api/v1/executions?owner=key:mallory&limit=500",
            &[],
        );
        let ids = request_ids(&page);
        if ids.iter().any(|r| r == "m-9") && ids.len() <= 5 {
            Ok(())
        } else {
            Err(format!(
                "retention has not trimmed mallory's records yet: {ids:?}"
            ))
        }
    });
    let (status, record) = get_as(&app, "bob", "/api/v1/executions/bob-1", &[]);
    assert_eq!(
        status, 200,
        "Bob's record was evicted by Mallory's volume: {record}"
    );
    let (_, again) = run_as(&app, "bob", RANDOM, "bob-1");
    assert_eq!(
        again["stdout"], first["stdout"],
        "Bob's settled run ran again"
    );
}

/// FINDING: `pyexec history show` (table format) prints a record's code, stdout and stderr
/// to the operator's terminal as they are: a caller's program plants terminal escape
/// sequences (clear the screen, rewrite lines, set the title, OSC 52 clipboard writes)
/// that run in the operator's terminal when the operator looks at the record.
#[test]
fn pyexec_history_show_does_not_replay_a_callers_terminal_escapes() {
    let workspace = Workspace::new();
    let app = spawn(Role::Executor, Options::default().workspace(&workspace));
    let code = "# \u{1b}]0;owned\u{7}\u{1b}[2K\nprint('\\x1b[2J\\x1b[Hall good')\n";
    let (status, body) = app.post(
        "/api/v1/execute_snippet",
        &json!({"code": code, "request_id": "esc-1"}),
        &[],
    );
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );
    poll(WAIT, Duration::from_millis(50), || {
        let (_, page) = app.get("/api/v1/executions?request_id_prefix=esc-1");
        if request_ids(&page).iter().any(|r| r == "esc-1") {
            Ok(())
        } else {
            Err("not written yet".to_owned())
        }
    });
    let mut command = Command::new(env!("CARGO_BIN_EXE_pyexec"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PYEXEC_") {
            command.env_remove(key);
        }
    }
    let out = command
        .args(["history", "show", "esc-1"])
        .env("PYEXEC_JOBS__STATE_DIR", workspace.state())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
        "escape sequences reach the operator's terminal: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The executor's peak resident memory (VmHWM), in KiB.
fn peak_rss_kb(app: &App) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", app.child.id())).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// FINDING: a listing shows no code and no result, yet its query selects (and decodes) both
/// for every row of the page. A caller stores big records (4 MB of control characters on
/// stdout become 24 MB of JSON escapes in the `result` column; a heavy job's 16 MB, 96 MB),
/// then asks for pages of 500 of them, several at once: gigabytes in the executor's memory
/// for pages that are a few kilobytes, until the kernel kills it and everyone's runs with
/// it. Here 10 such records and 4 listings at once must not grow the executor's peak
/// memory by more than 64 MiB (they need a few kilobytes).
#[test]
fn listing_big_records_does_not_load_their_code_and_results() {
    let app = start(None, &[], None);
    let code = "import sys\nsys.stdout.write('\\x01' * (4 << 20))\n";
    for i in 0..10 {
        let (status, body) = post_as(
            &app,
            "mallory",
            "/api/v1/execute_snippet",
            &json!({"code": code, "request_id": format!("big-{i}"), "limits": {"max_output_bytes": 4 << 20}}),
            &[],
        );
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("ok")),
            "{}",
            body["status"]
        );
    }
    // Every record written (the queue is empty), without listing them.
    poll(WAIT, Duration::from_millis(100), || {
        let text = ureq::get(&app.url("/metrics"))
            .call()
            .map_err(|e| e.to_string())?
            .into_string()
            .map_err(|e| e.to_string())?;
        if text.lines().any(|l| l == "pyexec_history_queue_depth 0")
            && text
                .lines()
                .any(|l| l.starts_with("pyexec_history_written_total 1"))
        {
            Ok(())
        } else {
            Err("records still queued".to_owned())
        }
    });
    let before = peak_rss_kb(&app);
    std::thread::scope(|scope| {
        let pages: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| get_as(&app, "mallory", "/api/v1/executions?limit=500", &[])))
            .collect();
        for page in pages {
            let (status, body) = page.join().expect("thread");
            assert_eq!(status, 200);
            assert_eq!(items(&body).len(), 10);
        }
    });
    let grown_mb = peak_rss_kb(&app).saturating_sub(before) / 1024;
    assert!(
        grown_mb < 64,
        "four listings of 10 records (a few KB of JSON) grew the executor's peak memory by {grown_mb} MiB"
    );
}

/// FINDING (the heavy side of the two above): with `x-pyexec-source: llm` a different
/// program under a job's request id is answered with the existing job (no 409), and its
/// request columns (code, code_sha256, source) are merged over the job's record, which then
/// shows a program the job never ran; a refused request (a NUL byte) under the job's id
/// replaces the job's record with a `refused` one that has no job id, so the job drops out
/// of `GET /api/v1/jobs`.
#[test]
fn a_jobs_record_keeps_the_program_it_ran() {
    let app = start(None, &[], None);
    let job_code = "print(6 * 7)\n";
    let (status, created) = post_as(
        &app,
        "alice",
        "/api/v1/create_heavy_job",
        &json!({"code": job_code, "request_id": "job-x"}),
        &[],
    );
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job id").to_owned();
    poll(Duration::from_secs(120), Duration::from_millis(100), || {
        let (_, page) = get_as(&app, "alice", "/api/v1/jobs", &[]);
        match items(&page).first().and_then(|r| r["status"].as_str()) {
            Some("succeeded") => Ok(()),
            other => Err(format!("job is {other:?} in the history")),
        }
    });
    let (status, body) = post_as(
        &app,
        "alice",
        "/api/v1/create_heavy_job",
        &json!({"code": "print('never ran')\n", "request_id": "job-x"}),
        &[("x-pyexec-source", "llm")],
    );
    assert_eq!(
        status, 409,
        "another program was accepted under the job's id: {body}"
    );
    let (status, body) = post_as(
        &app,
        "alice",
        "/api/v1/create_heavy_job",
        &json!({"code": "print(1)\u{0}", "request_id": "job-x"}),
        &[],
    );
    assert!(status == 400 || status == 409, "{status} {body}");
    assert_eq!(run_as(&app, "alice", "print(3)\n", "marker-3").0, 200);
    wait_listed(&app, "alice", "marker-3", &[]);
    let (status, record) = get_as(&app, "alice", "/api/v1/executions/job-x", &[]);
    assert_eq!(status, 200, "{record}");
    assert_eq!(
        record["code"], job_code,
        "the job's record shows another program: {record}"
    );
    assert_eq!(record["job_id"], job_id.as_str(), "{record}");
    let (_, jobs) = get_as(&app, "alice", "/api/v1/jobs", &[]);
    assert_eq!(request_ids(&jobs), ["job-x"], "{jobs}");
}
