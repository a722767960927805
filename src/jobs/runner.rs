//! `pyexec job-run`: the runner inside a heavy Job (or a process started by the local
//! backend). Reads `CODE_FILE` (the path of the program), `REQUEST_ID`, `TIMEOUT` (and
//! optionally `LIMITS`, a `ResourceLimits` JSON) from its environment, validates the code
//! against the heavy tier as a last gate, runs it in the sandbox with the heavy limits and the
//! data libraries, and writes `result.json` and every file the code wrote into its output
//! folder to storage under `results/{request_id}/`. Its temporary folder goes whatever
//! happens; when the runner itself is killed, the next executor's start-up removes it
//! (`reclaim.rs`), which its name makes possible: `pyexec-job-{pid}-{start time}-*`.
//!
//! The program comes in a file, never in an argument or the environment: those are limited
//! (128 KiB per string on Linux) and inherited by every process the runner starts. `CODE`
//! (the program itself) is still read when `CODE_FILE` is not set, for manual runs such as
//! `scripts/run.sh`; the backends never use it.
//!
//! Exit codes: 0 the code ran and succeeded; 1 the code was refused or failed (the result
//! says how); 2 the runner itself could not do its work (bad input, sandbox, storage).

use std::os::fd::AsRawFd as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::Duration;

use std::path::PathBuf;

use crate::config::{LimitSettings, Settings, Sources};
use crate::models::{
    ExecutionError, ExecutionResult, ExecutionStatus, ResourceLimits, Tier, TierChoice,
};
use crate::policy::PolicyError;
use crate::sandbox::{HeavyOptions, Job, Pool, PoolError, PoolOptions};
use crate::storage::{Storage, StorageError};
use crate::validator::Validator;

/// Why the runner could not do its work (exit code 2): bad input, the heavy runtime, the
/// sandbox, storage. Each names the variable, path or step involved.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("CODE_FILE and CODE are both set; set one")]
    CodeTwice,
    #[error("CODE_FILE is not set (the path of the program to run; or CODE, the program)")]
    NoCode,
    #[error("cannot read CODE_FILE {}", .path.display())]
    ReadCode {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("CODE_FILE {} is not UTF-8 (at byte {at})", .path.display())]
    CodeNotUtf8 { path: PathBuf, at: usize },
    #[error("REQUEST_ID is not set")]
    NoRequestId(#[source] std::env::VarError),
    #[error("REQUEST_ID {0:?} is not a sane id (letters, digits, - _ . : only)")]
    BadRequestId(String),
    #[error("TIMEOUT {text:?} is not a number of seconds")]
    BadTimeout {
        text: String,
        #[source]
        source: std::num::ParseFloatError,
    },
    #[error("LIMITS is not a ResourceLimits JSON object")]
    BadLimits(#[source] serde_json::Error),
    #[error(transparent)]
    Limits(ExecutionError),
    #[error("cannot load the validator's policies")]
    Policies(#[source] PolicyError),
    #[error(
        "the heavy runtime is missing: no {} (run scripts/setup-heavy-runtime.sh, or set jobs.runtime_dir)",
        .site.display()
    )]
    NoHeavyRuntime { site: PathBuf },
    #[error("locating the pyexec binary")]
    CurrentExe(#[source] std::io::Error),
    #[error("the sandbox cannot start")]
    SandboxStart(#[source] PoolError),
    #[error("the sandbox failed")]
    Sandbox(#[source] ExecutionError),
    #[error("cannot encode result.json")]
    Encode(#[source] serde_json::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("read output {}", .path.display())]
    ReadOutput {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("output {} is outside the work folder", .path.display())]
    OutsideWork { path: PathBuf },
    #[error(transparent)]
    Inputs(#[from] super::inputs::InputError),
    #[error("cannot read this process's /proc/self/stat")]
    OwnProcess,
    #[error("{step}")]
    WorkDir {
        step: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// What the runner was asked to do, from its environment.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub code: String,
    pub request_id: String,
    /// The folder under `results/` the job's outputs go to: `RESULT_KEY`, else the request
    /// id. The job service sets the job id, which is the caller's own (two callers' jobs
    /// never share a folder).
    pub result_key: String,
    pub timeout_secs: Option<f64>,
    pub limits: Option<ResourceLimits>,
    /// `RELAY_OUTPUT=1`: the program's output is relayed to standard error as it comes (the
    /// backends set it, for `GET /api/v1/jobs/{id}/logs`); a run by hand prints only its
    /// result.
    pub relay_output: bool,
    /// `INPUTS`: what to stage into the input folder, resolved by the executor.
    pub inputs: Vec<super::inputs::ResolvedInput>,
    /// False only with the operator flag `pyexec job-run --no-validate` (to test the lower
    /// layers alone); never set by a backend.
    pub validate: bool,
}

impl RunSpec {
    pub fn from_env() -> Result<Self, RunnerError> {
        let code = match (std::env::var_os("CODE_FILE"), std::env::var("CODE")) {
            (Some(_), Ok(_)) => return Err(RunnerError::CodeTwice),
            (Some(path), Err(_)) => {
                let path = PathBuf::from(path);
                let bytes = match std::fs::read(&path) {
                    Ok(bytes) => bytes,
                    Err(source) => return Err(RunnerError::ReadCode { path, source }),
                };
                match String::from_utf8(bytes) {
                    Ok(code) => code,
                    Err(e) => {
                        let at = e.utf8_error().valid_up_to();
                        return Err(RunnerError::CodeNotUtf8 { path, at });
                    }
                }
            }
            (None, Ok(code)) => code,
            (None, Err(_)) => return Err(RunnerError::NoCode),
        };
        let request_id = std::env::var("REQUEST_ID").map_err(RunnerError::NoRequestId)?;
        if !crate::jobs::sane_request_id(&request_id) {
            return Err(RunnerError::BadRequestId(request_id));
        }
        let result_key = match std::env::var("RESULT_KEY") {
            Ok(key) if crate::jobs::sane_request_id(&key) => key,
            Ok(key) => return Err(RunnerError::BadRequestId(key)),
            Err(_) => request_id.clone(),
        };
        let timeout_secs = match std::env::var("TIMEOUT") {
            Ok(text) => match text.parse() {
                Ok(secs) => Some(secs),
                Err(source) => return Err(RunnerError::BadTimeout { text, source }),
            },
            Err(_) => None,
        };
        let limits = match std::env::var("LIMITS") {
            Ok(text) => Some(serde_json::from_str(&text).map_err(RunnerError::BadLimits)?),
            Err(_) => None,
        };
        let inputs = match std::env::var("INPUTS") {
            Ok(text) => super::inputs::from_env(&text)?,
            Err(_) => Vec::new(),
        };
        Ok(Self {
            code,
            request_id,
            result_key,
            timeout_secs,
            limits,
            relay_output: std::env::var("RELAY_OUTPUT").is_ok_and(|v| v == "1"),
            inputs,
            validate: true,
        })
    }
}

/// What became of a run: the result and where it was written.
pub struct RunOutcome {
    pub result: ExecutionResult,
    pub location: String,
}

/// The heavy limits for a request: configured defaults, the request's values where given,
/// each capped by the configured maximums.
pub fn heavy_limits(
    settings: &Settings,
    spec_limits: Option<&ResourceLimits>,
    timeout: Option<f64>,
) -> Result<LimitSettings, ExecutionError> {
    let mut executor = settings.executor.clone();
    executor.default_limits = settings.jobs.default_limits.clone();
    executor.max_limits = settings.jobs.max_limits.clone();
    let mut requested = spec_limits.cloned().unwrap_or_default();
    if timeout.is_some() {
        requested.timeout_secs = timeout;
    }
    crate::sandbox::resolve_limits(&executor, Some(&requested))
}

pub async fn run(
    sources: &Sources,
    settings: &Settings,
    spec: RunSpec,
) -> Result<RunOutcome, RunnerError> {
    let storage = Storage::from_settings(&settings.storage)?;
    let limits = heavy_limits(settings, spec.limits.as_ref(), spec.timeout_secs)
        .map_err(RunnerError::Limits)?;
    let validator = Validator::load(sources, settings).map_err(RunnerError::Policies)?;
    let heavy_imports = validator.allowed_imports(Tier::Heavy);
    let restricted_imports = validator.restricted_imports(Tier::Heavy);
    let prefix = format!("results/{}", spec.result_key);
    let verdict = validator.validate(&spec.code, TierChoice::Heavy);
    tracing::info!(
        valid = verdict.valid,
        findings = verdict.findings.len(),
        "validated (heavy tier)"
    );
    if !spec.validate {
        tracing::warn!("static validation is OFF (operator flag --no-validate)");
    }
    let result = if verdict.valid || !spec.validate {
        let work = WorkDir::create(settings, "", true)?;
        // Both folders are removed when they go out of scope, on every path.
        let staged = stage_inputs(settings, &storage, &spec, &prefix).await?;
        match staged {
            Err(refusal) => refusal,
            Ok(inputs) => {
                let result = execute(
                    settings,
                    &spec,
                    &limits,
                    (heavy_imports, restricted_imports),
                    (work.path(), inputs.as_ref().map(WorkDir::path)),
                )
                .await?;
                drop(inputs);
                upload_outputs(&storage, &prefix, work.path()).await?;
                result
            }
        }
    } else {
        ExecutionResult::rejected(spec.request_id.clone(), verdict.findings)
    };
    let json = serde_json::to_vec_pretty(&result).map_err(RunnerError::Encode)?;
    storage
        .write(&format!("{prefix}/result.json"), json)
        .await?;
    let location = storage.location(&prefix);
    tracing::info!(status = ?result.status, %location, "job finished");
    Ok(RunOutcome { result, location })
}

async fn execute(
    settings: &Settings,
    spec: &RunSpec,
    limits: &LimitSettings,
    (heavy_imports, restricted_imports): (
        Vec<String>,
        std::collections::BTreeMap<String, Vec<String>>,
    ),
    (work, input_dir): (&Path, Option<&Path>),
) -> Result<ExecutionResult, RunnerError> {
    let runtime = &settings.jobs.runtime_dir;
    let site = runtime.join("site-packages");
    if !site.is_dir() {
        return Err(RunnerError::NoHeavyRuntime { site });
    }
    let mut executor = settings.executor.clone();
    executor.pool_size = 1;
    executor.max_queue = 0;
    executor.default_limits = limits.clone();
    executor.max_limits = limits.clone();
    // Not polars: its thread pool must not be forked (it warns, and can deadlock); code that
    // uses it imports it in the child, after the fork.
    let preload: Vec<String> = ["numpy", "pandas", "pyarrow"]
        .iter()
        .map(|m| (*m).to_owned())
        .collect();
    let pool = Pool::start(PoolOptions {
        settings: executor,
        program: std::env::current_exe().map_err(RunnerError::CurrentExe)?,
        allowed_imports: heavy_imports,
        restricted_imports,
        guards: true,
        validated: spec.validate,
        heavy: Some(HeavyOptions {
            work_dir: work.to_owned(),
            input_dir: input_dir.map(Path::to_owned),
            runtime_paths: vec![runtime.clone()],
            sys_path: vec![site.display().to_string()],
            preload,
        }),
        metrics: None,
    })
    .await
    .map_err(RunnerError::SandboxStart)?;
    // The output as it comes, to this runner's standard error (the local backend's
    // `runner.log`, a pod's log), where `GET /api/v1/jobs/{id}/logs` reads it.
    let (progress, relay) = if spec.relay_output {
        let (progress, chunks) = tokio::sync::mpsc::unbounded_channel();
        let relay = tokio::spawn(relay_output(chunks, limits.max_output_bytes));
        (Some(progress), Some(relay))
    } else {
        (None, None)
    };
    let outcome = pool
        .execute(Job {
            request_id: spec.request_id.clone(),
            code: spec.code.clone(),
            limits: limits.clone(),
            progress,
        })
        .await;
    // The pool dropped its sender with the run: the relay ends once it has written all.
    if let Some(relay) = relay {
        let _ = relay.await;
    }
    pool.shutdown(Duration::ZERO).await;
    let result = match outcome {
        Ok(result) => result,
        Err(crate::models::ExecutionError::RetriesExhausted { errors, .. }) => {
            ExecutionResult::internal_error(spec.request_id.clone(), errors, pool.layers().to_vec())
        }
        Err(err) => return Err(RunnerError::Sandbox(err)),
    };
    Ok(result)
}

/// Stages the job's inputs into a folder of their own (none when it names none), and
/// records them beside the result (`inputs.json`: names, sources, sizes, checksums). An
/// input that cannot be staged ends the job before any of its code runs: `Ok(Err(result))`,
/// a failed result that names the input and why.
async fn stage_inputs(
    settings: &Settings,
    storage: &Storage,
    spec: &RunSpec,
    prefix: &str,
) -> Result<Result<Option<WorkDir>, ExecutionResult>, RunnerError> {
    if spec.inputs.is_empty() {
        return Ok(Ok(None));
    }
    // The runner's own until the end (never the sandbox uid's, which a host process may run
    // as: it could swap what root then changes or binds).
    let folder = WorkDir::create(settings, "inputs-", false)?;
    // Object URLs name keys from the top of the bucket or container, not under the root.
    let mut top = settings.storage.clone();
    if top.backend != crate::config::StorageBackend::Fs {
        top.root = String::new();
    }
    let bucket = Storage::from_settings(&top)?;
    let inputs = &settings.jobs.inputs;
    let staged = super::inputs::stage(
        &spec.inputs,
        (storage, &bucket),
        folder.path(),
        (&settings.storage, inputs),
    )
    .await;
    match staged {
        Ok(staged) => {
            let mut folder = folder;
            folder.make_read_only()?;
            let json = serde_json::to_vec_pretty(&staged).map_err(RunnerError::Encode)?;
            storage
                .write(&format!("{prefix}/inputs.json"), json)
                .await?;
            Ok(Ok(Some(folder)))
        }
        Err(err) => {
            let message = format!(
                "pyexec: the job's inputs could not be staged; none of its code ran: {}\n",
                crate::telemetry::error_chain(&err)
            );
            tracing::error!(error = %crate::telemetry::error_chain(&err), "input not staged");
            let mut result = ExecutionResult::internal_error(
                spec.request_id.clone(),
                vec![message.trim_end().to_owned()],
                Vec::new(),
            );
            result.status = ExecutionStatus::Error;
            result.stderr = message;
            Ok(Err(result))
        }
    }
}

/// Writes the program's output, as it is read, to standard error as [`OutputLine`]s. Text
/// is decoded per stream (a character split between chunks waits for its rest; an invalid
/// byte becomes U+FFFD); each stream's lines stop once they reach twice `cap` bytes (the
/// output limit; JSON escapes make lines longer than the text), so that no program fills the
/// log. The result keeps the output whatever is relayed.
async fn relay_output(
    mut chunks: tokio::sync::mpsc::UnboundedReceiver<(crate::sandbox::OutputStream, Vec<u8>)>,
    cap: u64,
) {
    use std::io::Write as _;
    let budget = cap.saturating_mul(2);
    let mut carry: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut written = [0u64; 2];
    while let Some((stream, bytes)) = chunks.recv().await {
        let (index, name) = match stream {
            crate::sandbox::OutputStream::Stdout => (0, "stdout"),
            crate::sandbox::OutputStream::Stderr => (1, "stderr"),
        };
        if written[index] >= budget {
            continue;
        }
        let pending = &mut carry[index];
        pending.extend_from_slice(&bytes);
        let text = decode_complete(pending);
        if text.is_empty() {
            continue;
        }
        let line = OutputLine {
            pyexec_output: name.to_owned(),
            text,
        };
        if let Ok(json) = serde_json::to_string(&line) {
            written[index] = written[index].saturating_add(json.len() as u64 + 1);
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{json}");
        }
    }
}

/// Takes the decodable text off the front of `pending`: valid UTF-8 as it is, each invalid
/// sequence as U+FFFD; an incomplete character at the end stays for the next chunk.
fn decode_complete(pending: &mut Vec<u8>) -> String {
    let mut text = String::new();
    let mut at = 0;
    loop {
        match std::str::from_utf8(&pending[at..]) {
            Ok(valid) => {
                text.push_str(valid);
                at = pending.len();
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                text.push_str(&String::from_utf8_lossy(&pending[at..at + valid]));
                match e.error_len() {
                    Some(bad) => {
                        text.push('\u{fffd}');
                        at += valid + bad;
                    }
                    None => {
                        at += valid;
                        break;
                    }
                }
            }
        }
    }
    pending.drain(..at);
    text
}

/// One piece of a heavy job's output in its runner's log: a JSON line of its own (the
/// program's text is escaped in it, so no output can pass for another line).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputLine {
    /// `stdout` or `stderr`.
    pub pyexec_output: String,
    pub text: String,
}

/// Every regular file under `work`, written to `prefix/<relative path>`. The folder is the
/// sandbox uid's: every directory and file is opened beneath it without following any
/// symbolic link in any part of its path ([`beneath`]), so that nothing swapped in while the runner reads (by the code's
/// leftovers, or a host process running as that uid) makes it read another file.
async fn upload_outputs(storage: &Storage, prefix: &str, work: &Path) -> Result<(), RunnerError> {
    let read_error = |path: &Path| {
        let path = path.to_owned();
        move |source| RunnerError::ReadOutput { path, source }
    };
    let root = nix::fcntl::open(
        work,
        nix::fcntl::OFlag::O_RDONLY
            | nix::fcntl::OFlag::O_DIRECTORY
            | nix::fcntl::OFlag::O_NOFOLLOW
            | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|errno| read_error(work)(errno.into()))?;
    let mut stack = vec![PathBuf::new()];
    let mut files: Vec<crate::models::OutputFile> = Vec::new();
    // Every name once: a reserved name renamed, or two file names that are not UTF-8 and
    // read alike, get a number rather than replace another file.
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    while let Some(dir) = stack.pop() {
        let Some(dir_fd) = beneath(&root, &dir, nix::fcntl::OFlag::O_DIRECTORY)
            .map_err(read_error(&work.join(&dir)))?
        else {
            continue;
        };
        let listing = PathBuf::from(format!("/proc/self/fd/{}", dir_fd.as_raw_fd()));
        for entry in std::fs::read_dir(&listing).map_err(read_error(&work.join(&dir)))? {
            let entry = entry.map_err(read_error(&work.join(&dir)))?;
            let relative_path = dir.join(entry.file_name());
            let kind = entry
                .file_type()
                .map_err(read_error(&work.join(&relative_path)))?;
            if kind.is_dir() {
                stack.push(relative_path);
            } else if kind.is_file() {
                if !storable(&relative_path) {
                    tracing::warn!(path = %relative_path.display(), "an output name the storage would read differently (blanks or a dot at a part's end, a backslash, control characters); skipped");
                    continue;
                }
                // Never blocks (a FIFO swapped in after the listing); checked to be a plain
                // file with one name (a hard link to a file the code could not read itself
                // would make the runner, root, read it for the code).
                let Some(file) = beneath(&root, &relative_path, nix::fcntl::OFlag::O_NONBLOCK)
                    .map_err(read_error(&work.join(&relative_path)))?
                else {
                    continue;
                };
                let file = std::fs::File::from(file);
                let meta = file
                    .metadata()
                    .map_err(read_error(&work.join(&relative_path)))?;
                if !meta.is_file() || std::os::unix::fs::MetadataExt::nlink(&meta) != 1 {
                    tracing::warn!(path = %relative_path.display(), "an output is not a plain file with one name (a FIFO, a device or a hard link); skipped");
                    continue;
                }
                let relative = relative_path.to_string_lossy().into_owned();
                let wanted = if RESERVED_OUTPUTS.contains(&relative.as_str()) {
                    tracing::warn!("the code wrote {relative}; it is stored as output-{relative}");
                    format!("output-{relative}")
                } else {
                    relative
                };
                let mut name = wanted.clone();
                let mut n = 1;
                while RESERVED_OUTPUTS.contains(&name.as_str()) || !taken.insert(name.clone()) {
                    n += 1;
                    name = format!("{wanted}.{n}");
                }
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut &file, &mut bytes)
                    .map_err(read_error(&work.join(&relative_path)))?;
                let sha256 = crate::history::sha256_hex(&bytes);
                files.push(crate::models::OutputFile {
                    content_type: crate::models::OutputFile::content_type_of(&name).to_owned(),
                    size: bytes.len() as u64,
                    sha256,
                    name: name.clone(),
                });
                storage.write(&format!("{prefix}/{name}"), bytes).await?;
            }
            // Symlinks and special files are not outputs; they are left behind and removed.
        }
    }
    // The manifest the executor lists and serves outputs from (sizes and checksums as
    // written, and only these names: nothing else under the prefix is served).
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let count = files.len();
    let manifest = serde_json::to_vec_pretty(&files).map_err(RunnerError::Encode)?;
    storage.write(&outputs_manifest(prefix), manifest).await?;
    tracing::info!(files = count, "outputs written");
    Ok(())
}

/// Whether every part of an output's path is stored under exactly that name: opendal trims
/// blanks off a key's ends (`result.json ` would replace the runner's own `result.json`),
/// Azure drops a trailing dot, and some stores read `\\` as `/`.
fn storable(relative: &Path) -> bool {
    relative.components().all(|part| match part {
        std::path::Component::Normal(name) => name.to_str().is_some_and(|name| {
            name.trim() == name
                && !name.ends_with('.')
                && !name.chars().any(|c| c == '\\' || c.is_control())
        }),
        _ => false,
    })
}

/// Opens `relative` beneath `root` (the root itself when empty) one part at a time, each
/// relative to the last with `O_NOFOLLOW`: no symbolic link is followed anywhere on the way
/// (the same guarantee as `openat2`'s `RESOLVE_NO_SYMLINKS`, which seccomp profiles of
/// container runtimes may refuse). `None` when a link (or a part that is not a plain name)
/// was met: logged and skipped.
fn beneath(
    root: &std::os::fd::OwnedFd,
    relative: &Path,
    flags: nix::fcntl::OFlag,
) -> Result<Option<std::os::fd::OwnedFd>, std::io::Error> {
    use nix::fcntl::OFlag;
    use std::path::Component;
    let parts: Vec<&std::ffi::OsStr> = relative
        .components()
        .map(|part| match part {
            Component::Normal(name) => Some(name),
            _ => None,
        })
        .collect::<Option<_>>()
        .unwrap_or_default();
    if parts.len() != relative.components().count() {
        tracing::warn!(path = %relative.display(), "an output path is not plain names; skipped");
        return Ok(None);
    }
    let mut current = root.try_clone()?;
    for (index, part) in parts.iter().enumerate() {
        let last = index + 1 == parts.len();
        let oflag = if last {
            flags | OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC
        } else {
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC
        };
        current = match nix::fcntl::openat(&current, *part, oflag, nix::sys::stat::Mode::empty()) {
            Ok(fd) => fd,
            Err(errno @ (nix::errno::Errno::ELOOP | nix::errno::Errno::ENOTDIR)) => {
                tracing::warn!(path = %relative.display(), error = %errno, "an output path holds a symbolic link; skipped");
                return Ok(None);
            }
            Err(errno) => return Err(errno.into()),
        };
    }
    Ok(Some(current))
}

/// The list of a job's outputs, beside them: `results/{job_id}/outputs.json`.
pub fn outputs_manifest(prefix: &str) -> String {
    format!("{prefix}/outputs.json")
}

/// A runner's temporary folder (the output folder, owned by the sandbox's uid; or the
/// inputs', the runner's own); removed on drop.
struct WorkDir {
    dir: Option<tempfile::TempDir>,
    /// Made read-only ([`WorkDir::make_read_only`]): opened up again before removal.
    read_only: bool,
}

impl WorkDir {
    /// `kind` follows the runner's name: `""` the work folder, `"inputs-"` the inputs'.
    /// `for_sandbox`: handed to the sandbox's uid (when the runner is root), which writes
    /// there.
    fn create(settings: &Settings, kind: &str, for_sandbox: bool) -> Result<Self, RunnerError> {
        let failed = |step| move |source| RunnerError::WorkDir { step, source };
        // Named after this process, so that it can be told whether its runner still runs.
        let me = super::process::ProcessId::current().ok_or(RunnerError::OwnProcess)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("pyexec-job-{}-{}-{kind}", me.pid, me.start_time))
            .tempdir()
            .map_err(failed("create the job's work folder"))?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(failed("make the job's work folder private"))?;
        if for_sandbox && nix::unistd::Uid::effective().is_root() {
            let sandbox = &settings.executor.sandbox;
            nix::unistd::chown(
                dir.path(),
                Some(nix::unistd::Uid::from_raw(sandbox.uid)),
                Some(nix::unistd::Gid::from_raw(sandbox.gid)),
            )
            .map_err(|errno| failed("hand the work folder to the sandbox uid")(errno.into()))?;
        }
        Ok(Self {
            dir: Some(dir),
            read_only: false,
        })
    }

    fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }

    /// Makes the files in the folder readable by anyone and writable by no one, the folder
    /// likewise (0444, 0555); their owner stays the runner (the sandbox reads them through a
    /// read-only mount). Entries are opened without following links.
    fn make_read_only(&mut self) -> Result<(), RunnerError> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let failed = |step| move |source| RunnerError::WorkDir { step, source };
        let folder = self.path().to_owned();
        for entry in std::fs::read_dir(&folder).map_err(failed("list the inputs"))? {
            let entry = entry.map_err(failed("list the inputs"))?;
            let file = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(entry.path())
                .map_err(failed("open an input"))?;
            file.set_permissions(std::fs::Permissions::from_mode(0o444))
                .map_err(failed("make an input read-only"))?;
        }
        let dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
            .open(&folder)
            .map_err(failed("open the input folder"))?;
        dir.set_permissions(std::fs::Permissions::from_mode(0o555))
            .map_err(failed("make the input folder read-only"))?;
        self.read_only = true;
        Ok(())
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        // Say so when it cannot be removed (a file the sandbox made unremovable).
        if let Some(dir) = self.dir.take() {
            let path = dir.path().to_owned();
            // A read-only folder (the inputs', the runner's own) cannot be emptied as it is.
            let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
            if self.read_only && is_dir {
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700));
            }
            if let Err(err) = dir.close() {
                tracing::warn!(path = %path.display(), error = %crate::telemetry::error_chain(&err), "cannot remove the job's work folder");
            }
        }
    }
}

/// The completion event the runner published, kept beside `result.json` once the sink's
/// broker accepted it: the executor announces a job that ended without one.
pub fn event_marker(result_key: &str) -> String {
    format!("results/{result_key}/event.json")
}

/// Names the runner keeps for itself in a job's result folder; outputs of the same name are
/// stored as `output-<name>`.
const RESERVED_OUTPUTS: [&str; 4] = ["result.json", "event.json", "outputs.json", "inputs.json"];

/// The exit code for a finished run.
pub fn exit_code(result: &ExecutionResult) -> u8 {
    match result.status {
        ExecutionStatus::Ok => 0,
        ExecutionStatus::InternalError => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::decode_complete;

    #[tokio::test]
    async fn outputs_are_read_beneath_the_work_folder_without_following_links() {
        let work = tempfile::tempdir().expect("work");
        let outside = tempfile::tempdir().expect("outside");
        std::fs::write(outside.path().join("secret.txt"), "host secret").expect("write");
        std::fs::write(work.path().join("a.txt"), "a").expect("write");
        std::fs::create_dir(work.path().join("sub")).expect("mkdir");
        std::fs::write(work.path().join("sub/b.txt"), "b").expect("write");
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            work.path().join("link.txt"),
        )
        .expect("symlink");
        std::os::unix::fs::symlink(outside.path(), work.path().join("dirlink")).expect("symlink");
        let results = tempfile::tempdir().expect("results");
        let storage = crate::storage::Storage::from_settings(&crate::config::StorageSettings {
            root: results.path().display().to_string(),
            ..crate::config::StorageSettings::default()
        })
        .expect("storage");
        super::upload_outputs(&storage, "results/j", work.path())
            .await
            .expect("outputs");
        let manifest: Vec<crate::models::OutputFile> = serde_json::from_slice(
            &storage
                .read("results/j/outputs.json")
                .await
                .expect("manifest"),
        )
        .expect("json");
        let names: Vec<&str> = manifest.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "sub/b.txt"]);
        // Round 2 of the review: a FIFO (it would block the runner forever), a hard link
        // (to a file the code could not read itself) and names the storage would read as
        // another (the runner's own records among them) are skipped.
        let work2 = tempfile::tempdir().expect("work");
        nix::unistd::mkfifo(&work2.path().join("pipe"), nix::sys::stat::Mode::S_IRWXU)
            .expect("mkfifo");
        std::fs::hard_link(
            outside.path().join("secret.txt"),
            work2.path().join("linked.txt"),
        )
        .expect("hard link");
        for name in [
            "result.json ",
            "event.json\t",
            "report.",
            "a\\b.txt",
            "ok.txt",
        ] {
            std::fs::write(work2.path().join(name), "x").expect("write");
        }
        super::upload_outputs(&storage, "results/m", work2.path())
            .await
            .expect("outputs");
        let manifest: Vec<crate::models::OutputFile> = serde_json::from_slice(
            &storage
                .read("results/m/outputs.json")
                .await
                .expect("manifest"),
        )
        .expect("json");
        let names: Vec<&str> = manifest.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["ok.txt"]);
        assert!(storage.read("results/m/result.json").await.is_err());
        // A work folder that is itself a link is refused, not followed.
        let swapped = tempfile::tempdir().expect("swapped");
        let link = swapped.path().join("work");
        std::os::unix::fs::symlink(outside.path(), &link).expect("symlink");
        assert!(super::upload_outputs(&storage, "results/k", &link)
            .await
            .is_err());
    }

    #[test]
    fn split_characters_wait_and_invalid_bytes_are_replaced_one_each() {
        let mut pending = b"a\xff\xe2\x82".to_vec();
        assert_eq!(decode_complete(&mut pending), "a\u{fffd}");
        assert_eq!(pending, b"\xe2\x82");
        pending.extend_from_slice(b"\xac tail");
        assert_eq!(decode_complete(&mut pending), "\u{20ac} tail");
        assert!(pending.is_empty());
        let mut pending = b"\xc3".to_vec();
        assert_eq!(decode_complete(&mut pending), "");
        assert_eq!(pending, b"\xc3");
        pending.extend_from_slice(b"\xa9\xff\xfe!");
        assert_eq!(decode_complete(&mut pending), "\u{e9}\u{fffd}\u{fffd}!");
    }
}
