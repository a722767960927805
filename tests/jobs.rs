//! Heavy jobs through the local backend: the real executor service starts `pyexec job-run`
//! children that run pandas and polars in the sandbox and write results to a folder, which
//! Python's pandas then reads back.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{json, Value};

static NEXT: AtomicU32 = AtomicU32::new(0);

struct Service {
    child: Child,
    base: String,
    storage: tempfile::TempDir,
}

impl Service {
    fn start() -> Self {
        let uid = 64000 + (std::process::id() % 1000) * 10 + NEXT.fetch_add(1, Ordering::SeqCst);
        let storage = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_pyexec"))
            .args(["serve", "--role", "executor", "--listen", "127.0.0.1:0"])
            .env("PYEXEC_EXECUTOR__SANDBOX__UID", uid.to_string())
            .env("PYEXEC_EXECUTOR__SANDBOX__GID", uid.to_string())
            .env("PYEXEC_EXECUTOR__POOL_SIZE", "1")
            .env("PYEXEC_STORAGE__ROOT", storage.path())
            .env("PYEXEC_LOG__FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("pyexec starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening")
            .to_owned();
        Self {
            child,
            base: format!("http://{addr}"),
            storage,
        }
    }

    fn create(&self, body: &Value) -> (u16, Value) {
        match ureq::post(&format!("{}/api/v1/create_heavy_job", self.base)).send_json(body.clone())
        {
            Ok(r) => (r.status(), r.into_json().expect("JSON")),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().expect("JSON")),
            Err(err) => panic!("transport error: {err}"),
        }
    }

    fn job(&self, job_id: &str, wait_secs: u32) -> (u16, Value) {
        let url = format!("{}/api/v1/jobs/{job_id}?wait_secs={wait_secs}", self.base);
        match ureq::get(&url).call() {
            Ok(r) => (r.status(), r.into_json().expect("JSON")),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().expect("JSON")),
            Err(err) => panic!("transport error: {err}"),
        }
    }

    /// Creates a job and waits for it to finish.
    fn run(&self, request_id: &str, code: &str) -> Value {
        let (status, created) = self.create(&json!({"code": code, "request_id": request_id}));
        assert_eq!(status, 202, "{created}");
        assert!(
            matches!(created["status"].as_str(), Some("pending" | "running")),
            "{created}"
        );
        assert!(created["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
        let job_id = created["job_id"].as_str().expect("job_id").to_owned();
        let (status, record) = self.job(&job_id, 240);
        assert_eq!(status, 200, "{record}");
        record
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        common::stop(&mut self.child);
    }
}

fn location(record: &Value) -> PathBuf {
    PathBuf::from(record["result_location"].as_str().expect("result_location"))
}

#[test]
fn a_pandas_job_runs_and_its_files_are_read_back() {
    let service = Service::start();
    let record = service.run(
        "pandas-job-1",
        r#"import pandas as pd
sales = pd.DataFrame({"region": ["north", "south", "north", "east"], "amount": [10, 20, 30, 5]})
summary = sales.groupby("region", as_index=False)["amount"].sum()
summary.to_parquet(f"{OUTPUT_DIR}/summary.parquet")
summary.to_csv("summary.csv", index=False)
print(int(summary["amount"].sum()))
"#,
    );
    assert_eq!(record["status"], "succeeded", "{record}");
    assert_eq!(record["result"]["status"], "ok", "{record}");
    assert_eq!(record["result"]["stdout"], "65\n");
    assert!(record["finished_at"].as_str().is_some());
    let folder = location(&record);
    assert!(
        folder.starts_with(service.storage.path()),
        "{}",
        folder.display()
    );
    let stored: Value =
        serde_json::from_slice(&std::fs::read(folder.join("result.json")).expect("result.json"))
            .expect("JSON");
    assert_eq!(stored, record["result"]);
    let read_back = common::heavy_python(&format!(
        "import pandas as pd\ndf = pd.read_parquet({:?})\nprint(dict(zip(df.region, df.amount)))\nprint(len(pd.read_csv({:?})))",
        folder.join("summary.parquet").display().to_string(),
        folder.join("summary.csv").display().to_string()
    ));
    assert_eq!(read_back, "{'east': 5, 'north': 40, 'south': 20}\n3\n");
    // The runner's temporary folders are gone.
    let leftovers: Vec<PathBuf> = std::fs::read_dir(std::env::temp_dir())
        .expect("tmp")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("pyexec-job-"))
        })
        .filter(|p| is_owned_by_uid_range(p))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn is_owned_by_uid_range(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let uid = std::fs::metadata(path).map(|m| m.uid()).unwrap_or(0);
    let ours = 64000 + (std::process::id() % 1000) * 10;
    (ours..ours + 10).contains(&uid)
}

#[test]
fn a_polars_job_runs_and_a_duplicate_request_starts_nothing_new() {
    let service = Service::start();
    let code = r#"import polars as pl
df = pl.DataFrame({"x": [1, 2, 3, 4]}).with_columns((pl.col("x") ** 2).alias("square"))
df.write_parquet("squares.parquet")
print(df["square"].sum())
"#;
    let record = service.run("polars-job-1", code);
    assert_eq!(record["status"], "succeeded", "{record}");
    assert_eq!(record["result"]["stdout"], "30\n", "{record}");
    let folder = location(&record);
    let read_back = common::heavy_python(&format!(
        "import polars as pl\nprint(pl.read_parquet({:?})['square'].to_list())",
        folder.join("squares.parquet").display().to_string()
    ));
    assert_eq!(read_back, "[1, 4, 9, 16]\n");
    // The same request id again: the same job, not a second one.
    let (status, again) = service.create(&json!({"code": code, "request_id": "polars-job-1"}));
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["job_id"], record["job_id"]);
    assert_eq!(again["status"], "succeeded");
    assert_eq!(again["created_at"], record["created_at"]);
}

#[test]
fn every_library_of_the_heavy_runtime_imports_in_the_sandbox() {
    let requirements = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements/heavy.txt"),
    )
    .expect("requirements");
    let modules: Vec<String> = requirements
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split("==").next())
        .map(|name| match name {
            "modin" => "modin.pandas".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    assert!(modules.len() >= 10, "{modules:?}");
    let code = modules
        .iter()
        .map(|m| format!("import {m}\n"))
        .collect::<String>()
        + "print('imported', len(dir()))\n";
    let service = Service::start();
    let record = service.run("imports-1", &code);
    assert_eq!(record["result"]["status"], "ok", "{record}");
    assert!(record["result"]["stdout"]
        .as_str()
        .is_some_and(|s| s.starts_with("imported")));
}

#[test]
fn refused_code_fails_the_job_with_its_findings_and_bad_requests_are_refused() {
    let service = Service::start();
    let record = service.run("bad-job-1", "import subprocess\nsubprocess.run(['id'])\n");
    assert_eq!(record["status"], "failed", "{record}");
    assert_eq!(record["result"]["status"], "rejected", "{record}");
    assert!(!record["result"]["findings"]
        .as_array()
        .expect("findings")
        .is_empty());
    let (status, body) = service.job("pyexec-no-such-job", 0);
    assert_eq!(status, 404, "{body}");
    let (status, body) = service.create(&json!({"code": "print(1)", "request_id": "../etc"}));
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        service.create(&json!({"code": "print(1)", "limits": {"memory_mb": 1_000_000}}));
    assert_eq!(status, 400, "{body}");
    let (status, body) = service.create(&json!({"cod": "print(1)"}));
    assert_eq!(status, 400, "{body}");
}

#[test]
fn the_runner_says_what_is_missing_and_exits_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_pyexec"))
        .arg("job-run")
        .env_remove("CODE")
        .env_remove("CODE_FILE")
        .env("REQUEST_ID", "r1")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CODE_FILE is not set"));
    let output = Command::new(env!("CARGO_BIN_EXE_pyexec"))
        .arg("job-run")
        .env_remove("CODE")
        .env("CODE_FILE", "/nonexistent/code.py")
        .env("REQUEST_ID", "r1")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read CODE_FILE /nonexistent/code.py"),
        "{stderr}"
    );
}
