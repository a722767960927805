//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod app;
pub mod executor;
pub mod fake_executor;
pub mod fake_kube;
pub mod fake_llm;
pub mod postgres;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pyexec::config::{ClassifierSettings, ValidatorSettings};
use pyexec::models::{TierChoice, ValidationResult};
use pyexec::policy::PolicySet;
use pyexec::validator::Validator;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn validator() -> Validator {
    validator_with(ValidatorSettings::default())
}

pub fn validator_with(settings: ValidatorSettings) -> Validator {
    let policy = PolicySet::embedded().expect("built-in policy loads");
    Validator::new(policy, settings, ClassifierSettings::default())
}

pub fn validate(source: &str) -> ValidationResult {
    validator().validate(source, TierChoice::Auto)
}

pub fn codes(result: &ValidationResult) -> Vec<&str> {
    result.findings.iter().map(|f| f.code.as_str()).collect()
}

/// Reads a `# key: value` header line of a fixture.
pub fn header<'s>(source: &'s str, key: &str) -> Option<&'s str> {
    source
        .lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix(&format!("# {key}: ")))
}

/// Every `.py` file in a fixture folder, sorted.
pub fn python_files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join(folder))
        .expect("fixture folder exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}

/// Where `scripts/setup-heavy-runtime.sh` installs the heavy tier's data libraries.
pub const HEAVY_RUNTIME: &str = "/opt/pyexec/heavy";

/// Runs `code` with the heavy runtime's libraries outside any sandbox, as a data
/// scientist's Python would, and returns its standard output.
pub fn heavy_python(code: &str) -> String {
    let output = std::process::Command::new("/usr/bin/python3")
        .args(["-I", "-S", "-c"])
        .arg(format!(
            "import sys\nsys.path.insert(0, {:?})\n{code}",
            format!("{HEAVY_RUNTIME}/site-packages")
        ))
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Tries `attempt` every `every` until it gives a value, and panics with the reason it last
/// gave once `within` has passed: how a test waits for another process or thread, never by
/// sleeping for a fixed time.
pub fn poll<T>(
    within: Duration,
    every: Duration,
    mut attempt: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        match attempt() {
            Ok(value) => return value,
            Err(reason) => assert!(Instant::now() < deadline, "{reason}"),
        }
        std::thread::sleep(every);
    }
}

/// Stops a service the way an orchestrator does (SIGTERM) and waits for it.
pub fn stop(child: &mut std::process::Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    let _ = child.wait();
}

/// Serves `app` on 127.0.0.1 from a runtime of its own (a test server speaking a real HTTP
/// API: a scripted LLM, a fake executor, a fake Kubernetes API server). Returns its address
/// and the runtime, which stops the server when dropped.
pub fn serve_in_background(app: axum::Router) -> (std::net::SocketAddr, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    runtime.spawn(async move { axum::serve(listener, app).await });
    (addr, runtime)
}

/// One `[[auth.api_keys]]` entry: caller `id` with the key `<id>-key` (kept, as in
/// production, as its SHA-256) and `scopes`; `extra` lines are added to the entry.
pub fn api_key(id: &str, scopes: &[&str], extra: &str) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| format!("{s:?}")).collect();
    format!(
        "[[auth.api_keys]]\nid = {id:?}\nsha256 = {:?}\nscopes = [{}]\n{extra}",
        pyexec::http::hash_key(&format!("{id}-key")),
        scopes.join(", ")
    )
}

/// A configuration with `extra` (tables before the keys) and two callers, `alice` and
/// `mallory`, each with `execute`, `jobs:read` and `jobs:write` and no rate limit.
#[allow(dead_code)]
pub fn two_callers(extra: &str) -> String {
    let all = ["execute", "jobs:read", "jobs:write"];
    format!(
        "{extra}\n[auth]\nrate_per_sec = 0\n{}{}",
        api_key("alice", &all, ""),
        api_key("mallory", &all, "")
    )
}
