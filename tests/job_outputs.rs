//! A heavy job's outputs through the API (issue 16, point 3): the real executor runs a pandas
//! job on the local backend; `GET /api/v1/jobs/{id}/outputs` lists what it wrote (sizes and
//! SHA-256 checked against the bytes in the storage folder), `GET .../outputs/{name}` streams
//! one whole or by byte range, and names outside the listing, traversal and another caller
//! get clear 4xx answers.

mod common;

use std::io::Read;
use std::time::Duration;

use common::app::{spawn, App, Options, Role};
use serde_json::{json, Value};

fn keys() -> String {
    common::two_callers("")
}

/// Status, headers asked for, and the body's bytes.
fn fetch(
    app: &App,
    key: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut request = ureq::get(&app.url(path)).set("authorization", &format!("Bearer {key}-key"));
    for (k, v) in headers {
        request = request.set(k, v);
    }
    let response = match request.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(err) => panic!("transport error: {err}"),
    };
    let status = response.status();
    let names = [
        "content-type",
        "content-length",
        "content-range",
        "content-disposition",
        "etag",
        "accept-ranges",
        "x-content-type-options",
    ];
    let seen = names
        .iter()
        .filter_map(|n| response.header(n).map(|v| ((*n).to_owned(), v.to_owned())))
        .collect();
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).expect("body");
    (status, seen, body)
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into()))
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn sha256(bytes: &[u8]) -> String {
    pyexec::history::sha256_hex(bytes)
}

#[test]
fn a_jobs_outputs_are_listed_with_checksums_and_served_whole_or_by_range() {
    let app = spawn(Role::Executor, Options::default().config(keys()));
    let created = ureq::post(&app.url("/api/v1/create_heavy_job"))
        .set("authorization", "Bearer alice-key")
        .send_json(json!({
            "request_id": "outputs-1",
            "code": r#"import pandas as pd
import numpy as np
rng = np.random.default_rng(7)
df = pd.DataFrame({"region": ["north", "south", "east"] * 400, "amount": rng.integers(0, 1000, 1200)})
summary = df.groupby("region", as_index=False)["amount"].sum()
summary.to_csv(f"{OUTPUT_DIR}/summary.csv", index=False)
df.to_parquet(f"{OUTPUT_DIR}/all.parquet")
with open(f"{OUTPUT_DIR}/result.json", "w") as f:
    f.write("{}")
print(len(df))
"#,
        }))
        .expect("created")
        .into_json::<Value>()
        .expect("json");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();

    // Done: the job's record, then its listing.
    let record = common::poll(Duration::from_secs(240), Duration::from_millis(200), || {
        let (status, _, body) = fetch(
            &app,
            "alice",
            &format!("/api/v1/jobs/{job_id}?wait_secs=5"),
            &[],
        );
        let record = json_of(&body);
        match record["status"].as_str() {
            Some("succeeded" | "failed" | "cancelled") if status == 200 => Ok(record),
            _ => Err(format!("{status} {record}")),
        }
    });
    assert_eq!(record["status"], "succeeded", "{record}");
    let folder = std::path::PathBuf::from(record["result_location"].as_str().expect("location"));

    let (status, _, body) = fetch(
        &app,
        "alice",
        &format!("/api/v1/jobs/{job_id}/outputs"),
        &[],
    );
    assert_eq!(status, 200, "{}", json_of(&body));
    let listing = json_of(&body);
    assert_eq!(listing["job_id"], json!(job_id));
    let files = listing["files"].as_array().expect("files");
    let names: Vec<&str> = files.iter().filter_map(|f| f["name"].as_str()).collect();
    // The code's own result.json is kept under another name (the runner's is reserved).
    assert_eq!(
        names,
        ["all.parquet", "output-result.json", "summary.csv"],
        "{listing}"
    );
    for file in files {
        let name = file["name"].as_str().expect("name");
        let on_disk = std::fs::read(folder.join(name)).expect("the file in the storage folder");
        assert_eq!(file["size"], json!(on_disk.len()), "{name}");
        assert_eq!(file["sha256"], json!(sha256(&on_disk)), "{name}");
    }
    assert_eq!(files[2]["content_type"], "text/csv");
    assert_eq!(files[0]["content_type"], "application/vnd.apache.parquet");

    // Whole files, byte for byte, as attachments.
    for name in ["summary.csv", "all.parquet"] {
        let on_disk = std::fs::read(folder.join(name)).expect("file");
        let (status, headers, body) = fetch(
            &app,
            "alice",
            &format!("/api/v1/jobs/{job_id}/outputs/{name}"),
            &[],
        );
        assert_eq!(status, 200, "{name}");
        assert_eq!(body, on_disk, "{name}");
        assert_eq!(
            header(&headers, "etag"),
            Some(format!("\"{}\"", sha256(&on_disk)).as_str())
        );
        assert_eq!(header(&headers, "accept-ranges"), Some("bytes"));
        assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
        assert!(
            header(&headers, "content-disposition").is_some_and(|d| d.starts_with("attachment"))
        );
    }

    // Ranges: first bytes, an open end, the last bytes; past the end is 416.
    let parquet = std::fs::read(folder.join("all.parquet")).expect("file");
    let size = parquet.len();
    let path = format!("/api/v1/jobs/{job_id}/outputs/all.parquet");
    for (range, expected) in [
        ("bytes=0-3", 0..4),
        (&*format!("bytes={}-", size - 10), size - 10..size),
        ("bytes=-8", size - 8..size),
        (&*format!("bytes=5-{}", size + 100), 5..size),
    ] {
        let (status, headers, body) = fetch(&app, "alice", &path, &[("range", range)]);
        assert_eq!(status, 206, "{range}");
        assert_eq!(body, parquet[expected.clone()], "{range}");
        assert_eq!(
            header(&headers, "content-range"),
            Some(format!("bytes {}-{}/{size}", expected.start, expected.end - 1).as_str()),
            "{range}"
        );
    }
    assert_eq!(&parquet[..4], b"PAR1");
    let (status, headers, body) = fetch(
        &app,
        "alice",
        &path,
        &[("range", &format!("bytes={size}-"))],
    );
    assert_eq!(status, 416, "{}", json_of(&body));
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes */{size}").as_str())
    );
    assert_eq!(json_of(&body)["error"]["kind"], "bad_request");

    // Names outside the listing, traversal, and another caller.
    for (name, expected) in [
        ("result.json", 404),
        ("outputs.json", 404),
        ("missing.csv", 404),
        ("..%2F..%2Fjobs", 400),
        ("x%2F..%2Fsummary.csv", 400),
        ("x%2F%2Fall.parquet", 400),
        ("%2Fetc%2Fpasswd", 400),
    ] {
        let (status, _, body) = fetch(
            &app,
            "alice",
            &format!("/api/v1/jobs/{job_id}/outputs/{name}"),
            &[],
        );
        assert_eq!(status, expected, "{name}: {}", json_of(&body));
        assert!(json_of(&body)["error"]["message"].is_string(), "{name}");
    }
    let (status, _, _) = fetch(
        &app,
        "mallory",
        &format!("/api/v1/jobs/{job_id}/outputs"),
        &[],
    );
    assert_eq!(status, 404, "another caller's job is not found");
    let (status, _, _) = fetch(
        &app,
        "mallory",
        &format!("/api/v1/jobs/{job_id}/outputs/summary.csv"),
        &[],
    );
    assert_eq!(status, 404);
    let (status, _, _) = fetch(&app, "alice", "/api/v1/jobs/no-such-job/outputs", &[]);
    assert_eq!(status, 404);
}

#[test]
fn a_running_jobs_outputs_are_not_listed_yet() {
    let app = spawn(Role::Executor, Options::default().config(keys()));
    let created = ureq::post(&app.url("/api/v1/create_heavy_job"))
        .set("authorization", "Bearer alice-key")
        .send_json(json!({"request_id": "outputs-slow", "code": "import time\nimport pandas\ntime.sleep(120)\n"}))
        .expect("created")
        .into_json::<Value>()
        .expect("json");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    let (status, _, body) = fetch(
        &app,
        "alice",
        &format!("/api/v1/jobs/{job_id}/outputs"),
        &[],
    );
    assert_eq!(status, 409, "{}", json_of(&body));
    assert!(json_of(&body)["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("has not finished")));
    // Follow streams are bounded per caller: four held open, a fifth is 429 until one closes.
    let follow_url = app.url(&format!("/api/v1/jobs/{job_id}/logs?follow=true"));
    let open = |key: &str| match ureq::get(&follow_url)
        .set("authorization", &format!("Bearer {key}-key"))
        .call()
    {
        Ok(r) => (r.status(), Some(r)),
        Err(ureq::Error::Status(code, _)) => (code, None),
        Err(err) => panic!("transport error: {err}"),
    };
    let mut held: Vec<ureq::Response> = (0..4)
        .map(|_| {
            let (status, response) = open("alice");
            assert_eq!(status, 200);
            response.expect("a stream")
        })
        .collect();
    assert_eq!(open("alice").0, 429, "a fifth stream of one caller");
    drop(held.pop());
    // Its place comes back once the server sees it closed (at its next event or keep-alive).
    common::poll(
        Duration::from_secs(60),
        Duration::from_millis(500),
        || match open("alice") {
            (200, Some(r)) => {
                held.push(r);
                Ok(())
            }
            (status, _) => Err(format!("still {status}")),
        },
    );
    drop(held);
    // Cancelled: it ended without outputs, and says so with an empty listing.
    let cancelled = ureq::delete(&app.url(&format!("/api/v1/jobs/{job_id}")))
        .set("authorization", "Bearer alice-key")
        .call()
        .expect("cancel")
        .into_json::<Value>()
        .expect("json");
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let (status, _, body) = fetch(
        &app,
        "alice",
        &format!("/api/v1/jobs/{job_id}/outputs"),
        &[],
    );
    assert_eq!(status, 200, "{}", json_of(&body));
    assert_eq!(json_of(&body)["files"], json!([]));
}

/// Reads server-sent events until `end` (or the stream closes): (event, data) pairs, and the
/// lines of stdout seen before the job had ended (by its status at that moment).
fn follow(app: &App, key: &str, job_id: &str) -> Vec<(String, Value)> {
    use std::io::BufRead as _;
    let response = ureq::get(&app.url(&format!("/api/v1/jobs/{job_id}/logs?follow=true")))
        .set("authorization", &format!("Bearer {key}-key"))
        .call()
        .expect("follow");
    assert_eq!(response.status(), 200);
    assert!(response
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/event-stream")));
    let mut events = Vec::new();
    let mut name = String::new();
    for line in std::io::BufReader::new(response.into_reader()).lines() {
        let line = line.expect("line");
        if let Some(event) = line.strip_prefix("event: ") {
            name = event.to_owned();
        } else if let Some(data) = line.strip_prefix("data: ") {
            let value: Value = serde_json::from_str(data).unwrap_or(Value::String(data.into()));
            let end = name == "end";
            // What the job's record said when this event arrived.
            let (_, _, body) = fetch(app, key, &format!("/api/v1/jobs/{job_id}"), &[]);
            let status = json_of(&body)["status"].clone();
            events.push((name.clone(), json!({"data": value, "job_status": status})));
            if end {
                break;
            }
        }
    }
    events
}

#[test]
fn a_running_jobs_output_is_followed_as_it_comes() {
    let app = spawn(Role::Executor, Options::default().config(keys()));
    let code = r#"import time
import sys
import pandas as pd
for i in range(4):
    print(f"step {i}: {pd.Series(range(i + 1)).sum()}")
    time.sleep(1.5)
print("warning: almost done", file=sys.stderr)
print("done")
"#;
    let created = ureq::post(&app.url("/api/v1/create_heavy_job"))
        .set("authorization", "Bearer alice-key")
        .send_json(json!({"request_id": "logs-1", "code": code}))
        .expect("created")
        .into_json::<Value>()
        .expect("json");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    // Another caller sees nothing of it.
    let (status, _, _) = fetch(&app, "mallory", &format!("/api/v1/jobs/{job_id}/logs"), &[]);
    assert_eq!(status, 404);
    let events = follow(&app, "alice", &job_id);
    let stdout: String = events
        .iter()
        .filter(|(n, _)| n == "stdout")
        .filter_map(|(_, v)| v["data"]["text"].as_str())
        .collect();
    assert_eq!(
        stdout, "step 0: 0\nstep 1: 1\nstep 2: 3\nstep 3: 6\ndone\n",
        "{events:#?}"
    );
    let stderr: String = events
        .iter()
        .filter(|(n, _)| n == "stderr")
        .filter_map(|(_, v)| v["data"]["text"].as_str())
        .collect();
    assert_eq!(stderr, "warning: almost done\n", "{events:#?}");
    // The first lines came while the job was still running, one event at a time.
    let early = events
        .iter()
        .filter(|(n, v)| n == "stdout" && v["job_status"] == "running")
        .count();
    assert!(early >= 2, "output arrived only at the end: {events:#?}");
    let (last, end) = events.last().expect("events");
    assert_eq!(last, "end");
    assert_eq!(end["data"]["status"], "succeeded", "{events:#?}");
    assert_eq!(end["data"]["complete"], true);
    // Afterwards, the whole output at once.
    let (status, _, body) = fetch(&app, "alice", &format!("/api/v1/jobs/{job_id}/logs"), &[]);
    assert_eq!(status, 200);
    let logs = json_of(&body);
    assert_eq!(logs["complete"], true);
    assert_eq!(logs["stdout"], json!(stdout));
    assert_eq!(logs["stderr"], json!(stderr));
    let (status, _, body) = fetch(
        &app,
        "alice",
        &format!("/api/v1/jobs/{job_id}/logs?follow=maybe"),
        &[],
    );
    assert_eq!(status, 400, "{}", json_of(&body));
}

fn cli(app: &App, key: &str, args: &[&str]) -> (Option<i32>, String, String) {
    app.job_command(key, args)
}

#[test]
fn the_job_command_submits_follows_and_downloads() {
    let app = spawn(Role::Executor, Options::default().config(keys()));
    let dir = tempfile::tempdir().expect("tempdir");
    let program = dir.path().join("report.py");
    std::fs::write(
        &program,
        "import pandas as pd\ndf = pd.DataFrame({'k': [1, 1, 2], 'v': [3, 4, 5]})\nprint('rows', len(df))\ndf.groupby('k').sum().to_csv(f'{OUTPUT_DIR}/by_k.csv')\n",
    )
    .expect("write");
    let program = program.display().to_string();
    let (code, stdout, stderr) = cli(
        &app,
        "alice",
        &["submit", &program, "--request-id", "cli-1", "--wait"],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "rows 3\n", "{stderr}");
    assert!(stderr.contains("succeeded"), "{stderr}");
    // The same program under the same id is the same job: its id, printed alone.
    let (code, job_id, stderr) = cli(
        &app,
        "alice",
        &["submit", &program, "--request-id", "cli-1"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let job_id = job_id.trim().to_owned();
    assert!(job_id.starts_with("pyexec-cli-1-"), "{job_id}");
    let (code, status, _) = cli(&app, "alice", &["status", &job_id, "--format", "json"]);
    assert_eq!(code, Some(0));
    let status: Value = serde_json::from_str(&status).expect("json");
    assert_eq!(status["status"], "succeeded", "{status}");
    let folder = std::path::PathBuf::from(status["result_location"].as_str().expect("location"));
    let download = dir.path().join("out");
    let (code, stdout, stderr) = cli(
        &app,
        "alice",
        &[
            "outputs",
            &job_id,
            "--download",
            &download.display().to_string(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.trim(),
        download.join("by_k.csv").display().to_string()
    );
    assert_eq!(
        std::fs::read(download.join("by_k.csv")).expect("downloaded"),
        std::fs::read(folder.join("by_k.csv")).expect("stored")
    );
    let (code, logs, _) = cli(&app, "alice", &["logs", &job_id]);
    assert_eq!((code, logs.as_str()), (Some(0), "rows 3\n"));
    // A failing program: its traceback on stderr, exit 1.
    std::fs::write(
        dir.path().join("fail.py"),
        "import pandas as pd\nraise ValueError('no data')\n",
    )
    .expect("write");
    let (code, _, stderr) = cli(
        &app,
        "alice",
        &[
            "submit",
            &dir.path().join("fail.py").display().to_string(),
            "--wait",
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("ValueError: no data"), "{stderr}");
    // Another caller, and a name that is no job id.
    let (code, _, stderr) = cli(&app, "mallory", &["status", &job_id]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("404"), "{stderr}");
    let (code, _, stderr) = cli(&app, "alice", &["outputs", "../etc"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a job id"), "{stderr}");
}
