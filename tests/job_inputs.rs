//! Heavy jobs' inputs (issue 16, points 1 and 3): files uploaded with `POST /api/v1/files`
//! and objects named by storage URL are staged read-only into the job's `INPUT_DIR` before
//! its code runs; pandas reads them there. An upload's id is its uploader's only; URLs outside
//! the configured bucket or into the service's own area are refused at submission; a missing
//! input fails the job before any of its code runs; uploads with bad names, over the cap,
//! stalled or abandoned get clear 4xx answers and leave nothing behind. The real executor,
//! the local job backend, the real sandbox; S3 through moto (`scripts/test.sh` starts it).

mod common;

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::time::Duration;

use common::app::{spawn, App, Options, Role};
use serde_json::{json, Value};

fn keys(extra: &str) -> String {
    let all = ["execute", "jobs:read", "jobs:write"];
    let mut text = String::from("[auth]\nrate_per_sec = 0\n");
    for entry in [
        common::api_key("alice", &all, ""),
        common::api_key("mallory", &all, ""),
    ] {
        text.push_str(&entry);
    }
    format!("{extra}\n{text}")
}

/// Uploads `bytes` as `name` for `who`: the status and the answer.
fn upload(app: &App, who: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let url = format!("{}?name={}", app.url("/api/v1/files"), name);
    let response = ureq::post(&url)
        .set("authorization", &format!("Bearer {who}-key"))
        .set("content-type", "application/octet-stream")
        .send_bytes(bytes);
    reply(response)
}

fn reply(response: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    let response = match response {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(err) => panic!("transport error: {err}"),
    };
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn submit(app: &App, who: &str, body: &Value) -> (u16, Value) {
    reply(
        ureq::post(&app.url("/api/v1/create_heavy_job"))
            .set("authorization", &format!("Bearer {who}-key"))
            .send_json(body.clone()),
    )
}

fn get(app: &App, who: &str, path: &str) -> (u16, Vec<u8>) {
    let response = ureq::get(&app.url(path))
        .set("authorization", &format!("Bearer {who}-key"))
        .call();
    let response = match response {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(err) => panic!("transport error: {err}"),
    };
    let status = response.status();
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).expect("body");
    (status, body)
}

/// The job's record once it has ended.
fn ended(app: &App, who: &str, job_id: &str) -> Value {
    common::poll(Duration::from_secs(240), Duration::from_millis(200), || {
        let (status, body) = get(app, who, &format!("/api/v1/jobs/{job_id}?wait_secs=5"));
        let record: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match record["status"].as_str() {
            Some("succeeded" | "failed" | "cancelled") if status == 200 => Ok(record),
            _ => Err(format!("{status} {record}")),
        }
    })
}

/// What plain CPython with the data libraries prints for `code`, `INPUT_DIR` set to `dir`.
fn reference(code: &str, dir: &Path) -> String {
    common::heavy_python(&format!(
        "INPUT_DIR = {:?}\n{code}",
        dir.display().to_string()
    ))
}

const SALES: &str = "region,amount\nnorth,120\nsouth,75\nnorth,5\neast,300\nsouth,25\n";

const SUMMARY: &str = r#"import pandas as pd
df = pd.read_csv(f"{INPUT_DIR}/sales.csv")
print(df.groupby("region")["amount"].sum().to_dict())
"#;

#[test]
fn an_upload_is_staged_read_only_and_only_its_uploader_can_use_it() {
    let app = spawn(Role::Executor, Options::default().config(keys("")));
    let (status, file) = upload(&app, "alice", "sales.csv", SALES.as_bytes());
    assert_eq!(status, 201, "{file}");
    let file_id = file["file_id"].as_str().expect("file_id").to_owned();
    assert_eq!(file["name"], "sales.csv");
    assert_eq!(file["size"], json!(SALES.len()));
    assert_eq!(
        file["sha256"],
        json!(pyexec::history::sha256_hex(SALES.as_bytes()))
    );

    // The job reads its input with pandas, copies its bytes to the output folder, and cannot
    // write where its inputs are.
    let code = format!(
        "{SUMMARY}{}",
        r#"with open(f"{INPUT_DIR}/sales.csv", "rb") as src:
    data = src.read()
with open(f"{OUTPUT_DIR}/copy.csv", "wb") as dst:
    dst.write(data)
try:
    with open(f"{INPUT_DIR}/sales.csv", "a") as f:
        f.write("west,1\n")
    print("input changed")
except OSError as err:
    print("input is read-only:", isinstance(err, OSError))
"#
    );
    let (status, created) = submit(
        &app,
        "alice",
        &json!({"request_id": "in-1", "code": code, "inputs": [file_id]}),
    );
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    let record = ended(&app, "alice", &job_id);
    assert_eq!(record["status"], "succeeded", "{record}");
    let stdout = record["result"]["stdout"].as_str().expect("stdout");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("sales.csv"), SALES).expect("write");
    let expected = reference(SUMMARY, dir.path());
    assert_eq!(stdout, format!("{expected}input is read-only: True\n"));

    // Round trip: the bytes uploaded, staged, copied by the job and downloaded are the same.
    let (status, copy) = get(
        &app,
        "alice",
        &format!("/api/v1/jobs/{job_id}/outputs/copy.csv"),
    );
    assert_eq!(status, 200);
    assert_eq!(copy, SALES.as_bytes());
    // The staged inputs are recorded beside the result, with their checksums.
    let folder = Path::new(record["result_location"].as_str().expect("location")).to_owned();
    let staged: Value =
        serde_json::from_slice(&std::fs::read(folder.join("inputs.json")).expect("inputs.json"))
            .expect("json");
    assert_eq!(
        staged,
        json!([{"name": "sales.csv", "source": file_id, "size": SALES.len(), "sha256": file["sha256"]}])
    );

    // Another caller naming the same id reaches nothing: its job fails before its code runs.
    let (status, created) = submit(
        &app,
        "mallory",
        &json!({"request_id": "in-2", "code": "print('RAN')", "inputs": [file_id]}),
    );
    assert_eq!(status, 202, "{created}");
    let record = ended(&app, "mallory", created["job_id"].as_str().expect("job_id"));
    assert_eq!(record["status"], "failed", "{record}");
    let stderr = record["result"]["stderr"].as_str().expect("stderr");
    assert!(stderr.contains("no such uploaded file"), "{stderr}");
    assert!(stderr.contains("none of its code ran"), "{stderr}");
    assert!(!record["result"]["stdout"]
        .as_str()
        .unwrap_or("")
        .contains("RAN"));
}

#[test]
fn the_job_command_uploads_local_inputs_and_the_job_reads_them() {
    let app = spawn(Role::Executor, Options::default().config(keys("")));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("sales.csv"), SALES).expect("write");
    std::fs::write(dir.path().join("report.py"), SUMMARY).expect("write");
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (code, stdout, stderr) = app.job_command(
        "alice",
        &[
            "submit",
            &path("report.py"),
            "--input",
            &path("sales.csv"),
            "--wait",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, reference(SUMMARY, dir.path()), "{stderr}");
    assert!(
        stderr.contains("uploaded") && stderr.contains("sales.csv"),
        "{stderr}"
    );
    // A path that is not there is named, and nothing is submitted.
    let (code, _, stderr) = app.job_command(
        "alice",
        &[
            "submit",
            &path("report.py"),
            "--input",
            &path("missing.csv"),
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("missing.csv"), "{stderr}");
}

#[test]
fn inputs_are_refused_where_they_cannot_be_staged() {
    let app = spawn(Role::Executor, Options::default().config(keys("")));
    for (body, why) in [
        // The local folder backend has no URLs to read.
        (
            json!({"code": "print(1)", "inputs": ["s3://bucket/x.csv"]}),
            "local folder",
        ),
        (
            json!({"code": "print(1)", "inputs": ["file:///etc/passwd"]}),
            "not a storage URL",
        ),
        (
            json!({"code": "print(1)", "inputs": ["/etc/passwd"]}),
            "uploaded file's id",
        ),
        (
            json!({"code": "print(1)", "tier": "lightweight", "inputs": ["f-0123456789abcdef0123456789abcdef"]}),
            "heavy jobs only",
        ),
        (
            json!({"code": "print(1)", "inputs": [{"source": "f-0123456789abcdef0123456789abcdef", "name": "../x"}]}),
            "plain file name",
        ),
    ] {
        let (status, answer) = submit(&app, "alice", &body);
        assert_eq!(status, 400, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{body}: {message}");
    }
    // The lightweight endpoint runs no jobs, so it stages nothing.
    let (status, answer) = reply(
        ureq::post(&app.url("/api/v1/execute_snippet"))
            .set("authorization", "Bearer alice-key")
            .send_json(
                json!({"code": "print(1)", "inputs": ["f-0123456789abcdef0123456789abcdef"]}),
            ),
    );
    assert_eq!(status, 400, "{answer}");
}

/// Files under the uploads folder of the storage root: (data files, records).
fn stored_uploads(storage: &Path) -> (usize, usize) {
    let mut data = 0;
    let mut records = 0;
    let mut stack = vec![storage.join("uploads")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                records += 1;
            } else {
                data += 1;
            }
        }
    }
    (data, records)
}

#[test]
fn uploads_with_bad_names_over_the_cap_stalled_or_abandoned_leave_nothing() {
    let app = spawn(
        Role::Executor,
        Options::default().config(keys(
            "[jobs.inputs]\nmax_upload_bytes = 1000\nupload_stall_secs = 1.0\n",
        )),
    );
    let storage = app.workspace.storage();
    for name in ["../x", ".env", "a%2Fb", "%00"] {
        let (status, answer) = upload(&app, "alice", name, b"x");
        assert_eq!(status, 400, "{name}: {answer}");
        assert_eq!(answer["error"]["kind"], "bad_request", "{name}: {answer}");
    }
    // Declared too large: refused before any of it is read.
    let (status, answer) = upload(&app, "alice", "big.bin", &[7u8; 2000]);
    assert_eq!(status, 413, "{answer}");
    // Not declared (chunked) and too large: refused once the cap is passed.
    let chunked = ureq::post(&format!("{}?name=big.bin", app.url("/api/v1/files")))
        .set("authorization", "Bearer alice-key")
        .send(std::io::Cursor::new(vec![7u8; 64 << 10]));
    let (status, answer) = reply(chunked);
    assert_eq!(status, 413, "{answer}");

    // A client that stops sending, and one that goes away mid-body.
    let address = app
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let head = "POST /api/v1/files?name=slow.bin HTTP/1.1\r\nhost: x\r\nauthorization: Bearer alice-key\r\ncontent-length: 900\r\n\r\n";
    let mut slow = std::net::TcpStream::connect(&address).expect("connect");
    slow.write_all(head.as_bytes()).expect("send");
    slow.write_all(&[1u8; 300]).expect("send");
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut reply = String::new();
    let _ = slow.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    let mut gone = std::net::TcpStream::connect(&address).expect("connect");
    gone.write_all(head.as_bytes()).expect("send");
    gone.write_all(&[1u8; 300]).expect("send");
    drop(gone);

    // Nothing of the refused or unfinished uploads stays; a good one still works after.
    let (status, file) = upload(&app, "alice", "ok.bin", &[3u8; 1000]);
    assert_eq!(status, 201, "{file}");
    common::poll(
        Duration::from_secs(30),
        Duration::from_millis(100),
        || match stored_uploads(&storage) {
            (1, 1) => Ok(()),
            other => Err(format!("{other:?} (data files, records)")),
        },
    );
}

#[test]
fn the_input_folder_stays_the_runners_and_read_only() {
    // Found by the review: the folder was handed to the sandbox's uid, so a host process
    // running as that uid could swap its entries (or the folder) for links that root then
    // changed the owner of, or bound at /input.
    let app = spawn(Role::Executor, Options::default().config(keys("")));
    let (status, file) = upload(&app, "alice", "sales.csv", SALES.as_bytes());
    assert_eq!(status, 201, "{file}");
    let code = "import time\nwith open(f\"{INPUT_DIR}/sales.csv\") as f:\n    f.read()\nprint('staged', flush=True)\ntime.sleep(60)\n";
    let (status, created) = submit(
        &app,
        "alice",
        &json!({"request_id": "owner-1", "code": code, "inputs": [file["file_id"]]}),
    );
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    // Once the code runs, its inputs are staged: the runner's folder is in the temporary
    // folder, named after the runner.
    common::poll(Duration::from_secs(120), Duration::from_millis(200), || {
        let (_, body) = get(&app, "alice", &format!("/api/v1/jobs/{job_id}/logs"));
        let logs: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match logs["stdout"].as_str() {
            Some(text) if text.contains("staged") => Ok(()),
            _ => Err(format!("{logs}")),
        }
    });
    let me = nix::unistd::Uid::effective().as_raw();
    let folders: Vec<std::path::PathBuf> = std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with("pyexec-job-") && name.contains("-inputs-")
        })
        .filter(|p| p.join("sales.csv").exists())
        .collect();
    assert!(!folders.is_empty(), "no staged input folder found");
    for folder in folders {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let meta = std::fs::symlink_metadata(&folder).expect("folder");
        assert!(meta.is_dir());
        assert_eq!(
            meta.uid(),
            me,
            "{} belongs to another uid",
            folder.display()
        );
        assert_eq!(
            meta.permissions().mode() & 0o7777,
            0o555,
            "{}",
            folder.display()
        );
        let input = std::fs::symlink_metadata(folder.join("sales.csv")).expect("input");
        assert_eq!(input.uid(), me);
        assert_eq!(input.permissions().mode() & 0o7777, 0o444);
    }
    let _ = ureq::delete(&app.url(&format!("/api/v1/jobs/{job_id}")))
        .set("authorization", "Bearer alice-key")
        .call();
}

/// An executor whose job storage is `bucket` on moto under the root `pyexec`, with `extra`
/// settings.
fn s3_executor(endpoint: &str, bucket: &str, extra: &str) -> App {
    let config = format!(
        r#"{extra}
[storage]
backend = "s3"
container = "{bucket}"
endpoint = "{endpoint}"
region = "us-east-1"
access_key_id = "test"
secret_access_key = "test"
"#
    );
    spawn(
        Role::Executor,
        Options::default()
            .config(keys(&config))
            .env(&[("PYEXEC_STORAGE__ROOT", "pyexec")]),
    )
}

/// moto's endpoint, which `scripts/test.sh` starts.
fn s3_endpoint() -> String {
    std::env::var("S3_TEST_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "S3_TEST_ENDPOINT is not set: run the suite with ./scripts/test.sh, which starts moto"
        )
    })
}

#[test]
fn an_s3_object_is_staged_from_its_url_and_a_missing_one_fails_the_job_before_its_code() {
    let endpoint = s3_endpoint();
    let bucket = format!("inputs-{}", std::process::id());
    // The data, written as any S3 client would (s3fs), and the same rows kept locally for
    // the reference run.
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("sales.parquet");
    common::heavy_python(&format!(
        r#"import s3fs, pandas as pd
fs = s3fs.S3FileSystem(key="test", secret="test", client_kwargs={{"endpoint_url": {endpoint:?}}})
fs.mkdir({bucket:?})
df = pd.DataFrame({{"region": ["north", "south", "north", "east"] * 250, "amount": list(range(1000))}})
df.to_parquet({local:?})
fs.put({local:?}, "{bucket}/datasets/sales.parquet")
"#,
        local = local.display().to_string()
    ));
    let app = s3_executor(&endpoint, &bucket, "");
    let code = r#"import pandas as pd
df = pd.read_parquet(f"{INPUT_DIR}/sales.parquet")
print(len(df), df.groupby("region")["amount"].sum().to_dict())
"#;
    let (status, created) = submit(
        &app,
        "alice",
        &json!({"request_id": "s3-in-1", "code": code, "inputs": [format!("s3://{bucket}/datasets/sales.parquet")]}),
    );
    assert_eq!(status, 202, "{created}");
    let record = ended(&app, "alice", created["job_id"].as_str().expect("job_id"));
    assert_eq!(record["status"], "succeeded", "{record}");
    assert_eq!(
        record["result"]["stdout"],
        json!(reference(code, dir.path()))
    );

    // The service's own area and other buckets cannot be named (nor the area under a name
    // the storage layer would trim back to it: found by the review).
    for url in [
        format!("s3://{bucket}/pyexec/results/x/result.json"),
        format!("s3://{bucket}/ pyexec/results/x/result.json"),
        format!("s3://{bucket}/\u{3000}pyexec/uploads/x/f-0123456789abcdef0123456789abcdef"),
        format!("s3://other-{bucket}/datasets/sales.parquet"),
        format!("s3://{bucket}/datasets/../pyexec/uploads/x"),
    ] {
        let (status, answer) = submit(&app, "alice", &json!({"code": code, "inputs": [url]}));
        assert_eq!(status, 400, "{url}: {answer}");
    }

    // A missing object: the job fails naming it, and none of its code runs.
    let (status, created) = submit(
        &app,
        "alice",
        &json!({"request_id": "s3-in-2", "code": "print('RAN')", "inputs": [format!("s3://{bucket}/datasets/missing.parquet")]}),
    );
    assert_eq!(status, 202, "{created}");
    let record = ended(&app, "alice", created["job_id"].as_str().expect("job_id"));
    assert_eq!(record["status"], "failed", "{record}");
    let stderr = record["result"]["stderr"].as_str().expect("stderr");
    assert!(
        stderr.contains("missing.parquet") && stderr.contains("not found"),
        "{stderr}"
    );
    assert!(!record["result"]["stdout"]
        .as_str()
        .unwrap_or("")
        .contains("RAN"));
}

#[test]
fn an_upload_cut_off_by_the_server_leaves_no_multipart_upload_behind() {
    // Found by the review: an upload whose request the server dropped (its deadline) left
    // an S3 multipart upload in progress, never aborted.
    let endpoint = s3_endpoint();
    let bucket = format!("uploads-{}", std::process::id());
    common::heavy_python(&format!(
        "import s3fs\ns3fs.S3FileSystem(key='test', secret='test', client_kwargs={{'endpoint_url': {endpoint:?}}}).mkdir({bucket:?})"
    ));
    let app = s3_executor(&endpoint, &bucket, "[server]\nrequest_timeout_secs = 3.0");
    let address = app
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    let head = format!(
        "POST /api/v1/files?name=big.bin HTTP/1.1\r\nhost: x\r\nauthorization: Bearer alice-key\r\ncontent-length: {}\r\n\r\n",
        40 << 20
    );
    stream.write_all(head.as_bytes()).expect("send");
    // More than one 8 MiB part: the multipart upload has begun.
    let part = vec![5u8; 1 << 20];
    for _ in 0..20 {
        stream.write_all(&part).expect("send");
    }
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut reply = [0u8; 12];
    stream.read_exact(&mut reply).expect("an answer");
    assert_eq!(
        &reply,
        b"HTTP/1.1 503",
        "{}",
        String::from_utf8_lossy(&reply)
    );
    drop(stream);
    // moto answers ListMultipartUploads without a signature.
    common::poll(Duration::from_secs(30), Duration::from_millis(200), || {
        let listing = ureq::get(&format!("{endpoint}/{bucket}?uploads"))
            .call()
            .map_err(|e| e.to_string())?
            .into_string()
            .map_err(|e| e.to_string())?;
        if listing.contains("<Upload>") {
            Err(listing)
        } else {
            Ok(())
        }
    });
}
