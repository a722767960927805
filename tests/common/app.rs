//! One way to start the service in a test, as zero2prod's `spawn_app`: the real binary in the
//! role asked for, on port 0 of 127.0.0.1, with job state and results in a temporary folder
//! of its own, a block of sandbox uids no other test process holds, and none of the
//! developer's `PYEXEC_*` variables. [`spawn`] returns once the service answers its liveness
//! probe; dropping the [`App`] stops it as an orchestrator would (SIGTERM, then wait).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::Value;

use super::executor::{post_raw, UidLock};
use super::poll;

/// The roles `pyexec serve` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Executor,
    Llm,
    All,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Self::Executor => "executor",
            Self::Llm => "llm",
            Self::All => "all",
        }
    }
}

/// What a service keeps across restarts: its block of sandbox uids, and the temporary folder
/// that holds its job state (`state/`), results (`results/`), logs and configuration files.
pub struct Workspace {
    uids: UidLock,
    dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            uids: UidLock::take(),
            dir: tempfile::tempdir().expect("tempdir"),
        })
    }

    /// The first uid of the block (slot `n` of a pool runs as `uid + n`).
    pub fn uid(&self) -> u32 {
        self.uids.uid
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `jobs.state_dir`.
    pub fn state(&self) -> PathBuf {
        self.path().join("state")
    }

    /// `storage.root`.
    pub fn storage(&self) -> PathBuf {
        self.path().join("results")
    }

    /// A file name in the workspace not used before, for one start's log or configuration.
    fn fresh(&self, stem: &str, extension: &str) -> PathBuf {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        self.path().join(format!("{stem}-{n}.{extension}"))
    }
}

/// How to start a service; [`Options::default`] is one sandbox slot and nothing else.
pub struct Options {
    /// Written to a file passed with `--config`.
    pub config_toml: Option<String>,
    /// `PYEXEC_*` variables (or any other), set after the harness's own, so they win.
    pub env: Vec<(String, String)>,
    /// Arguments after `serve --role ROLE --listen 127.0.0.1:0`.
    pub args: Vec<String>,
    /// `executor.pool_size`.
    pub pool_size: usize,
    /// The service's soft and hard RLIMIT_NOFILE.
    pub fd_limit: Option<u64>,
    /// A workspace shared with an earlier start (a restart); a fresh one when absent.
    pub workspace: Option<Arc<Workspace>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            config_toml: None,
            env: Vec::new(),
            args: Vec::new(),
            pool_size: 1,
            fd_limit: None,
            workspace: None,
        }
    }
}

impl Options {
    pub fn env(mut self, vars: &[(&str, &str)]) -> Self {
        self.env
            .extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        self
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    pub fn config(mut self, toml: impl Into<String>) -> Self {
        self.config_toml = Some(toml.into());
        self
    }

    pub fn pool_size(mut self, slots: usize) -> Self {
        self.pool_size = slots;
        self
    }

    pub fn fd_limit(mut self, fds: Option<u64>) -> Self {
        self.fd_limit = fds;
        self
    }

    pub fn workspace(mut self, workspace: &Arc<Workspace>) -> Self {
        self.workspace = Some(Arc::clone(workspace));
        self
    }
}

/// A running service. Its standard error goes to [`App::log`], printed when a test panics
/// while the service runs.
pub struct App {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The first sandbox uid of the service's block.
    pub uid: u32,
    pub pool_size: usize,
    pub log: PathBuf,
    pub workspace: Arc<Workspace>,
}

/// How long a service may take from its start to answering its liveness probe.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// Starts `pyexec serve --role ROLE` and returns once it answers `GET /api/v1/health/live`.
pub fn spawn(role: Role, options: Options) -> App {
    let workspace = options.workspace.unwrap_or_else(Workspace::new);
    let uid = workspace.uid().to_string();
    let log = workspace.fresh(role.as_str(), "log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_pyexec"));
    // The developer's shell cannot change a test: no inherited PYEXEC_* (PYEXEC_CONFIG and
    // PYEXEC_ROLES_DIR included); PATH, HOME and the rest stay.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PYEXEC_") {
            command.env_remove(key);
        }
    }
    command
        .args(["serve", "--role", role.as_str(), "--listen", "127.0.0.1:0"])
        .env("PYEXEC_EXECUTOR__SANDBOX__UID", &uid)
        .env("PYEXEC_EXECUTOR__SANDBOX__GID", &uid)
        .env("PYEXEC_EXECUTOR__POOL_SIZE", options.pool_size.to_string())
        .env("PYEXEC_LOG__FORMAT", "json")
        .env("PYEXEC_JOBS__STATE_DIR", workspace.state())
        .env("PYEXEC_STORAGE__ROOT", workspace.storage());
    if role != Role::Executor {
        // No executor and no local model unless the test names one: port 0 reaches nothing
        // (in the `all` role the executor listens there, on a free port).
        command
            .env("PYEXEC_LLM__EXECUTOR_URL", "http://127.0.0.1:0")
            .env("PYEXEC_LLM__LOCAL_FALLBACK_URL", "");
    }
    if let Some(toml) = &options.config_toml {
        let file = workspace.fresh("config", "toml");
        std::fs::write(&file, toml).expect("write the configuration");
        command.arg("--config").arg(file);
    }
    command
        .args(&options.args)
        .envs(options.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"));
    if let Some(fds) = options.fd_limit {
        limit_fds(&mut command, fds);
    }
    let mut child = command.spawn().expect("pyexec starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let Some(addr) = line.trim().strip_prefix("listening on ") else {
        super::stop(&mut child);
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("unexpected first line {line:?}; log:\n{log}");
    };
    let mut app = App {
        base: format!("http://{addr}"),
        child,
        uid: workspace.uid(),
        pool_size: options.pool_size,
        log,
        workspace,
    };
    app.wait_live();
    app
}

/// Sets the soft and hard RLIMIT_NOFILE of the process `command` starts.
fn limit_fds(command: &mut Command, fds: u64) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: runs in the forked child before exec and only calls setrlimit, which is
    // async-signal-safe; it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(move || {
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, fds, fds)
                .map_err(std::io::Error::from)
        });
    }
}

impl App {
    /// Polls the liveness probe until it answers 200; panics (and, dropped, prints the log)
    /// if the service exits or does not answer within [`READY_WITHIN`].
    fn wait_live(&mut self) {
        let url = self.url("/api/v1/health/live");
        poll(READY_WITHIN, Duration::from_millis(10), || {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("the service exited ({status}) before {url} answered");
            }
            match ureq::get(&url).timeout(Duration::from_secs(1)).call() {
                Ok(response) if response.status() == 200 => Ok(()),
                _ => Err(format!("{url} did not answer 200 within {READY_WITHIN:?}")),
            }
        });
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `pyexec job ARGS` against this executor as the caller whose key is `{key}-key`
    /// (`PYEXEC_API_KEY`): its exit code, standard output and standard error.
    #[allow(dead_code)]
    pub fn job_command(&self, key: &str, args: &[&str]) -> (Option<i32>, String, String) {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pyexec"))
            .arg("job")
            .args(args)
            .env("PYEXEC_EXECUTOR_URL", self.url(""))
            .env("PYEXEC_API_KEY", format!("{key}-key"))
            .output()
            .expect("pyexec job runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `POST path` with a JSON body and headers: the status and the JSON answer.
    pub fn post(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> (u16, Value) {
        post_raw(&self.url(path), body.to_string().as_bytes(), headers)
    }

    /// `GET path`: the status and the JSON answer.
    pub fn get(&self, path: &str) -> (u16, Value) {
        match ureq::get(&self.url(path)).call() {
            Ok(r) => (r.status(), r.into_json().expect("JSON")),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().expect("JSON")),
            Err(err) => panic!("transport error: {err}"),
        }
    }

    /// The health document, whether the service is ready (200) or not (503).
    pub fn health(&self) -> Value {
        match ureq::get(&self.url("/api/v1/health")).call() {
            Ok(response) | Err(ureq::Error::Status(503, response)) => {
                response.into_json().expect("health is JSON")
            }
            Err(err) => panic!("health does not answer: {err}"),
        }
    }

    /// Everything the service logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The service's JSON log lines so far.
    pub fn log_lines(&self) -> Vec<Value> {
        self.log_text()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub fn terminate(&self) {
        self.signal(Signal::SIGTERM);
    }

    fn signal(&self, signal: Signal) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).expect("signal");
    }

    /// Sends `signal` to the service and waits for it to exit.
    pub fn stop_with(&mut self, signal: Signal) {
        self.signal(signal);
        self.child.wait().expect("exits");
    }

    /// Waits for the service to exit and returns its exit code.
    pub fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        poll(within, Duration::from_millis(20), || {
            match self.child.try_wait().expect("try_wait") {
                Some(status) => Ok(status.code()),
                None => Err(format!("the service did not exit within {within:?}")),
            }
        })
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // Not once it has exited: its pid may belong to another process by now.
        if matches!(self.child.try_wait(), Ok(None)) {
            super::stop(&mut self.child);
        }
        if std::thread::panicking() {
            eprintln!(
                "--- log of the service at {} ---\n{}",
                self.base,
                self.log_text()
            );
        }
    }
}
