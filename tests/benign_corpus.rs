//! The benign corpus (tests/corpus/benign/): ordinary analyst programs run through the whole
//! stack and compared with plain CPython. Lightweight programs go to the executor service
//! (validator, guards, sandbox); heavy ones become heavy jobs that `pyexec job-run` runs. Every
//! program must print exactly what CPython prints, except the short list of intentional
//! refusals in `refusals.toml`, which must be refused with the rule it names.
//!
//! Each test prints its pass rate (shown by nextest for passing tests too, see
//! .config/nextest.toml).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::executor::{post_json, Service};
use serde::Deserialize;
use serde_json::{json, Value};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/benign")
}

#[derive(Deserialize)]
struct Refusals {
    refusal: Vec<Refusal>,
}

#[derive(Deserialize)]
struct Refusal {
    file: String,
    rule: String,
    alternative: String,
}

fn refusals() -> BTreeMap<String, Refusal> {
    let text = std::fs::read_to_string(corpus().join("refusals.toml")).expect("refusals.toml");
    let parsed: Refusals = toml::from_str(&text).expect("refusals.toml parses");
    parsed
        .refusal
        .into_iter()
        .map(|r| {
            assert!(
                r.alternative.len() > 10,
                "{}: say what to write instead",
                r.file
            );
            (r.file.clone(), r)
        })
        .collect()
}

fn programs(tier: &str) -> Vec<PathBuf> {
    common::python_files(&format!("../corpus/benign/{tier}"))
}

/// What plain CPython prints for `program`, run in a fresh folder (the heavy tier's data
/// libraries on its path when `heavy`).
fn cpython(program: &Path, heavy: bool) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new("/usr/bin/python3");
    command.arg(program).current_dir(dir.path());
    if heavy {
        command.env(
            "PYTHONPATH",
            format!("{}/site-packages", common::HEAVY_RUNTIME),
        );
    }
    let output = command.output().expect("python3 runs");
    assert!(
        output.status.success(),
        "{} fails in plain CPython: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

struct Tally {
    tier: &'static str,
    passed: usize,
    refused_as_documented: usize,
    failures: Vec<String>,
}

impl Tally {
    fn new(tier: &'static str) -> Self {
        Self {
            tier,
            passed: 0,
            refused_as_documented: 0,
            failures: Vec::new(),
        }
    }

    /// Judges one program's result: its stdout against CPython's, or its refusal against the
    /// documented one.
    fn judge(&mut self, name: &str, expected: &str, result: &Value, refusal: Option<&Refusal>) {
        let findings: Vec<&str> = result["findings"]
            .as_array()
            .map(|f| f.iter().filter_map(|f| f["code"].as_str()).collect())
            .unwrap_or_default();
        match refusal {
            Some(refusal) if findings.contains(&refusal.rule.as_str()) => {
                self.refused_as_documented += 1;
            }
            Some(refusal) => self.failures.push(format!(
                "{name}: documented as refused with {}, got {result}",
                refusal.rule
            )),
            None if result["status"] == "ok" && result["stdout"].as_str() == Some(expected) => {
                self.passed += 1;
            }
            None => self.failures.push(format!(
                "{name}: status {}, findings {:?}, stderr {}, stdout differs from CPython: {}",
                result["status"],
                result["findings"],
                result["stderr"],
                result["stdout"].as_str() != Some(expected)
            )),
        }
    }

    fn finish(self) {
        let total = self.passed + self.refused_as_documented + self.failures.len();
        println!(
            "benign corpus, {} tier: {}/{} programs print what CPython prints ({:.1}%), {} refused as documented in refusals.toml, {} failing",
            self.tier,
            self.passed,
            total,
            100.0 * self.passed as f64 / total.max(1) as f64,
            self.refused_as_documented,
            self.failures.len()
        );
        assert!(
            self.failures.is_empty(),
            "{} programs failed:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

#[test]
fn benign_lightweight_programs_run_like_cpython() {
    let refusals = refusals();
    let files = programs("lightweight");
    assert!(
        files.len() >= 200,
        "the lightweight corpus has {}",
        files.len()
    );
    let service = Service::start(&[], &[]);
    let mut tally = Tally::new("lightweight");
    for (index, program) in files.iter().enumerate() {
        let name = format!(
            "lightweight/{}",
            program.file_name().expect("name").to_string_lossy()
        );
        let code = std::fs::read_to_string(program).expect("program");
        let expected = cpython(program, false);
        let (status, result) = post_json(
            &service.url("/api/v1/execute_snippet"),
            &json!({"code": code, "request_id": format!("corpus-{index}"),
                    "limits": {"timeout_secs": 30, "memory_mb": 512}}),
        );
        assert!(
            status == 200 || status == 400,
            "{name}: HTTP {status} {result}"
        );
        tally.judge(&name, &expected, &result, refusals.get(&name));
    }
    tally.finish();
}

#[test]
fn benign_heavy_programs_run_like_cpython_as_jobs() {
    let refusals = refusals();
    let files = programs("heavy");
    assert!(files.len() >= 100, "the heavy corpus has {}", files.len());
    let service = Service::start(&[], &[("PYEXEC_EXECUTOR__POOL_SIZE", "1")]);
    // Every job is created first; the executor runs them `jobs.max_running` at a time.
    let mut started = Vec::new();
    for (index, program) in files.iter().enumerate() {
        let name = format!(
            "heavy/{}",
            program.file_name().expect("name").to_string_lossy()
        );
        let code = std::fs::read_to_string(program).expect("program");
        let (status, created) = post_json(
            &service.url("/api/v1/create_heavy_job"),
            &json!({"code": code, "request_id": format!("corpus-heavy-{index}"),
                    "limits": {"timeout_secs": 120}}),
        );
        started.push((name, program, status, created));
    }
    let mut tally = Tally::new("heavy");
    for (name, program, status, created) in started {
        let expected = cpython(program, true);
        if status != 202 {
            // Refused before a job was created: the body is the validation result.
            assert_eq!(status, 400, "{name}: HTTP {status} {created}");
            let result = created.get("result").unwrap_or(&created).clone();
            tally.judge(&name, &expected, &result, refusals.get(&name));
            continue;
        }
        let job_id = created["job_id"].as_str().expect("job_id");
        let url = service.url(&format!("/api/v1/jobs/{job_id}?wait_secs=300"));
        let record: Value = ureq::get(&url)
            .call()
            .expect("job record")
            .into_json()
            .expect("JSON");
        let result = record["result"].clone();
        tally.judge(&name, &expected, &result, refusals.get(&name));
    }
    tally.finish();
}
