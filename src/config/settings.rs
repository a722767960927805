//! The configuration tree shared by every role. Each role reads only the sections it uses.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;
use crate::telemetry::{LogSettings, TelemetrySettings};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub log: LogSettings,
    /// Span export over OTLP (every role; off by default).
    pub telemetry: TelemetrySettings,
    pub server: ServerSettings,
    pub auth: super::AuthSettings,
    pub validator: ValidatorSettings,
    pub classifier: ClassifierSettings,
    pub llm: LlmSettings,
    pub executor: ExecutorSettings,
    pub jobs: JobsSettings,
    pub storage: StorageSettings,
    pub history: HistorySettings,
    /// Event triggers and completion events (executor, all, job-run).
    pub events: super::EventsSettings,
}

/// The run history (`src/history`): every request that reached the executor, in SQLite
/// (embedded default) or PostgreSQL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistorySettings {
    /// Off: nothing is recorded, resent request ids run again, and the history endpoints
    /// answer 501.
    pub enabled: bool,
    /// `postgres://user:password@host/db` or `sqlite:///path/history.db`; unset: the SQLite
    /// file `history.db` in `jobs.state_dir`.
    pub url: Option<Secret>,
    /// Keep each program's source with its record (its SHA-256 is always kept).
    pub store_code: bool,
    /// Records waiting to be written; beyond this, records are dropped, counted
    /// (`pyexec_history_dropped_total`) and logged.
    pub queue_capacity: usize,
    /// Most records written in one transaction.
    pub batch_size: usize,
    /// How long the writer waits for more records before it writes a batch, in
    /// milliseconds: the most a record lags behind its request in the database (resent
    /// request ids are answered from memory meanwhile).
    pub flush_interval_ms: u64,
    /// Records older than this many days are deleted (0: kept whatever their age).
    pub retention_days: u32,
    /// Only each caller's newest this many records are kept (0: no cap): one caller's
    /// volume never evicts another's records.
    pub retention_rows: u64,
    /// Only the newest this many records of all are kept (0: no cap): the last resort for
    /// the disk, which may evict any caller's oldest records.
    pub retention_total_rows: u64,
    /// How often retention runs, in seconds.
    pub retention_interval_secs: u64,
    /// Connections to the database, all opened at start-up and kept.
    pub max_connections: u32,
}

impl Default for HistorySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            url: None,
            store_code: true,
            queue_capacity: 10_000,
            batch_size: 500,
            flush_interval_ms: 100,
            retention_days: 30,
            retention_rows: 100_000,
            retention_total_rows: 10_000_000,
            retention_interval_secs: 3600,
            max_connections: 8,
        }
    }
}

/// Where heavy jobs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobBackendKind {
    /// `pyexec job-run` as a sandboxed child process of the executor (embedded default).
    Local,
    /// A Kubernetes Job per request, through the API server.
    Kubernetes,
}

/// Heavy jobs: the backend, the runner's runtime and limits, the Kubernetes Job's settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsSettings {
    pub backend: JobBackendKind,
    /// The heavy tier's data libraries (`scripts/setup-heavy-runtime.sh`), with their
    /// packages under `site-packages/`; visible read-only to heavy code.
    pub runtime_dir: PathBuf,
    /// Limits of a heavy job when the request names none.
    pub default_limits: LimitSettings,
    /// Most a request may ask for.
    pub max_limits: LimitSettings,
    /// Local backend: jobs running at once; more wait their turn.
    pub max_running: usize,
    /// Local backend: where each job's record, program and runner log are kept
    /// (`jobs/{job_id}/`), so that jobs outlive the executor that started them and the
    /// next instance takes them over. Relative paths are taken from the working directory
    /// at start-up.
    pub state_dir: PathBuf,
    /// Kubernetes: namespace, image and the Job's policy.
    pub namespace: String,
    pub image: String,
    /// `imagePullPolicy` of the runner: `Always` (the default: every pod's pull is checked
    /// against the registry's credentials), `IfNotPresent` or `Never`.
    pub image_pull_policy: String,
    pub backoff_limit: i32,
    pub ttl_seconds_after_finished: i32,
    /// e.g. `gvisor`; none by default.
    pub runtime_class_name: Option<String>,
    /// The fixed non-root uid the runner's pod runs as.
    pub run_as_uid: i64,
    /// Retries of a failed call to the Kubernetes API (exponential backoff).
    pub api_retries: u32,
    /// At start-up, a job in the run history that nothing follows is marked failed once it
    /// is this old (Kubernetes: another replica may still be creating a newer one).
    pub reconcile_grace_secs: u64,
    /// The API server's URL without authentication (a `kubectl proxy`, or a test server);
    /// unset: in-cluster configuration or the kubeconfig, as kubectl finds them.
    pub api_url: Option<String>,
    /// A Secret whose keys become the runner's environment (storage credentials).
    pub storage_secret: Option<String>,
    /// The ServiceAccount the Job's pod runs as: its own, not the executor's (no API access;
    /// cloud storage through its workload identity).
    pub service_account: String,
    /// `hostUsers` of the Job's pod: `false` (the default) gives the pod a user namespace
    /// of its own, in which the runner's sandbox makes its nested namespaces; its procfs is
    /// then unmasked (`procMount: Unmasked`), which the heavy sandbox's procfs needs.
    pub host_users: bool,
    /// The pod's seccomp profile: `RuntimeDefault` (refuses the `unshare` the sandbox needs:
    /// the runner then fails closed), or the path of a `Localhost` profile under the kubelet's
    /// seccomp folder (`manifests/seccomp/pyexec-sandbox.json`, generated from the sandbox's
    /// own policy). `Unconfined` is refused.
    pub seccomp_profile: String,
    /// A `Localhost` AppArmor profile for the runner (e.g. `pyexec-sandbox`, whose text is in
    /// `manifests/node/`); unset: the runtime's default, which on AppArmor nodes refuses the
    /// sandbox's mounts (the runner then fails closed).
    pub apparmor_profile: Option<String>,
    /// Labels added to the Job's pod (e.g. `azure.workload.identity/use = "true"`).
    pub pod_labels: std::collections::BTreeMap<String, String>,
    /// A PersistentVolumeClaim mounted at `storage.root` in the Job's pod: required with
    /// `storage.backend = "fs"`, whose results would otherwise die with the pod. The executor
    /// must mount the same claim at the same path to read them (ReadWriteMany).
    pub results_volume: Option<String>,
    /// What a heavy job may take as `inputs` and what `POST /api/v1/files` accepts.
    pub inputs: InputSettings,
}

/// Inputs of heavy jobs: uploaded files and storage URLs, staged read-only into the job's
/// input folder (`INPUT_DIR`) by its runner before the code runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputSettings {
    /// Most inputs one request may name.
    pub max_files: usize,
    /// Largest single input, in bytes (checked before it is copied, and while it is).
    pub max_file_bytes: u64,
    /// Most bytes of all of a job's inputs together.
    pub max_total_bytes: u64,
    /// Largest upload `POST /api/v1/files` accepts, in bytes (413 past it).
    pub max_upload_bytes: u64,
    /// An upload must keep arriving: a pause longer than this ends it (408).
    pub upload_stall_secs: f64,
    /// Storage URLs may name only objects under one of these prefixes of the configured
    /// bucket or container (e.g. `["datasets/", "lake/curated/"]`); empty: anywhere in it
    /// except under `storage.root`, where the service keeps results and uploads, which are
    /// read only through their owners' job ids and file ids.
    pub url_prefixes: Vec<String>,
}

impl Default for InputSettings {
    fn default() -> Self {
        Self {
            max_files: 32,
            max_file_bytes: 4 << 30,
            max_total_bytes: 8 << 30,
            max_upload_bytes: 1 << 30,
            upload_stall_secs: 30.0,
            url_prefixes: Vec::new(),
        }
    }
}

impl Default for JobsSettings {
    fn default() -> Self {
        Self {
            backend: JobBackendKind::Local,
            runtime_dir: PathBuf::from("/opt/pyexec/heavy"),
            default_limits: LimitSettings {
                timeout_secs: 600.0,
                memory_mb: 2048,
                cpus: 1.0,
                max_pids: 128,
                max_output_bytes: 4 << 20,
                disk_mb: 1024,
            },
            max_limits: LimitSettings {
                timeout_secs: 3600.0,
                memory_mb: 8192,
                cpus: 2.0,
                max_pids: 512,
                max_output_bytes: 16 << 20,
                disk_mb: 8192,
            },
            max_running: 2,
            state_dir: PathBuf::from("pyexec-state"),
            namespace: "default".to_owned(),
            image: "pyexec:latest".to_owned(),
            image_pull_policy: "Always".to_owned(),
            backoff_limit: 2,
            ttl_seconds_after_finished: 3600,
            runtime_class_name: None,
            run_as_uid: 10001,
            api_retries: 3,
            reconcile_grace_secs: 120,
            api_url: None,
            storage_secret: None,
            service_account: "pyexec-job".to_owned(),
            host_users: false,
            seccomp_profile: "pyexec/sandbox.json".to_owned(),
            apparmor_profile: None,
            pod_labels: std::collections::BTreeMap::new(),
            results_volume: None,
            inputs: InputSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Fs,
    Azblob,
    S3,
}

/// Where job results go. Credentials may also come from the usual environment variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    pub backend: StorageBackend,
    /// `fs`: the folder (relative paths are taken from the working directory at start-up);
    /// `azblob`/`s3`: a prefix inside the container or bucket.
    pub root: String,
    /// `azblob`: the container; `s3`: the bucket.
    pub container: Option<String>,
    /// Service endpoint, e.g. `https://ACCOUNT.blob.core.windows.net` or an S3-compatible URL.
    pub endpoint: Option<String>,
    pub account_name: Option<String>,
    pub account_key: Option<Secret>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Fs,
            root: "pyexec-results".to_owned(),
            container: None,
            endpoint: None,
            account_name: None,
            account_key: None,
            region: None,
            access_key_id: None,
            secret_access_key: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes; a larger declared `Content-Length` is
    /// answered 413 before any of the body is read.
    pub max_body_bytes: usize,
    /// Request headers must be complete this long after their first byte.
    pub header_read_timeout_secs: f64,
    /// A request body must have arrived this long after its headers (408 otherwise).
    pub body_read_timeout_secs: f64,
    /// A connection with no request for this long is closed (new or kept alive).
    pub idle_timeout_secs: f64,
    /// Longest time to answer one request (503 `timeout` otherwise). Must exceed the longest
    /// execution a request may ask for plus the queue wait (`executor.max_limits.timeout_secs`
    /// + `executor.queue_timeout_secs`) and, in the LLM role, a whole query's LLM calls.
    pub request_timeout_secs: f64,
    /// Connections served at once; past this a connection is answered 503 and closed.
    pub max_connections: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1 << 20,
            header_read_timeout_secs: 10.0,
            body_read_timeout_secs: 30.0,
            idle_timeout_secs: 60.0,
            request_timeout_secs: 600.0,
            max_connections: 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidatorSettings {
    /// Source larger than this is rejected without parsing (rule PX002).
    pub max_source_bytes: usize,
    /// Deepest bracket or operator nesting accepted (CPython itself stops near 200 brackets).
    pub max_nesting: usize,
    /// Longest a validation may take; past it the program is rejected (rule PX004).
    pub max_validation_ms: u64,
    /// Most resolution steps (paths a name or chain may refer to) one validation may take;
    /// past it the program is rejected (rule PX004). Deterministic, unlike the time budget.
    pub max_work: u64,
}

impl Default for ValidatorSettings {
    fn default() -> Self {
        Self {
            max_source_bytes: 1 << 20,
            max_nesting: 100,
            max_validation_ms: 250,
            max_work: 250_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierSettings {
    /// Top-level modules whose import makes a program heavy.
    pub heavy_imports: Vec<String>,
    /// A string or bytes literal at least this long makes a program heavy.
    pub large_literal_bytes: usize,
    /// A list, tuple, set or dict display with at least this many elements makes it heavy.
    pub large_literal_elements: usize,
    /// Nested `for` loops over constant ranges whose iteration product reaches this are heavy.
    pub loop_iterations: u64,
}

impl Default for ClassifierSettings {
    fn default() -> Self {
        Self {
            heavy_imports: [
                "pandas",
                "modin",
                "polars",
                "pyarrow",
                "dask",
                "ray",
                "pyspark",
                "numpy",
                "numba",
                "fsspec",
                "adlfs",
                "s3fs",
                "cloudpickle",
            ]
            .map(String::from)
            .to_vec(),
            large_literal_bytes: 64 * 1024,
            large_literal_elements: 10_000,
            loop_iterations: 50_000_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// Base URL of an OpenAI-compatible Chat Completions API, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: Option<String>,
    pub model: String,
    pub api_key: Option<Secret>,
    pub temperature: f32,
    /// Longest wait for one LLM answer.
    pub timeout_secs: u64,
    /// Longest wait for a connection to the LLM endpoint.
    pub connect_timeout_secs: u64,
    /// Largest LLM answer read, in bytes; a bigger one is an error, never buffered.
    pub max_response_bytes: usize,
    pub max_retries: u32,
    /// How many times violations are sent back for a corrected program.
    pub max_corrections: u32,
    /// Azure OpenAI: set with the deployment as `model` and the resource URL as `base_url`.
    pub api_version: Option<String>,
    /// Where the executor's REST API is (`serve --role all` listens there itself; port 0
    /// picks a free one).
    pub executor_url: String,
    /// Longest wait for the executor's answer to one call (it must exceed the executor's
    /// `max_limits.timeout_secs` + `queue_timeout_secs`), and for a connection to it.
    pub executor_timeout_secs: u64,
    pub executor_connect_timeout_secs: u64,
    /// Largest executor answer read, in bytes (two capped outputs, JSON-escaped).
    pub max_executor_response_bytes: usize,
    /// Send a runtime error in the generated code back to the LLM once for a repair.
    pub repair_runtime_errors: bool,
    /// Largest inline `data` accepted with a question, in bytes.
    pub max_data_bytes: usize,
    /// Tried when `base_url` is not set (Ollama's default address); empty to disable.
    pub local_fallback_url: String,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            base_url: None,
            model: "qwen2.5-coder:7b".to_owned(),
            api_key: None,
            temperature: 0.0,
            timeout_secs: 120,
            connect_timeout_secs: 5,
            max_response_bytes: 4 << 20,
            max_retries: 3,
            max_corrections: 3,
            api_version: None,
            executor_url: "http://127.0.0.1:8081".to_owned(),
            executor_timeout_secs: 150,
            executor_connect_timeout_secs: 5,
            max_executor_response_bytes: 64 << 20,
            repair_runtime_errors: true,
            max_data_bytes: 256 * 1024,
            local_fallback_url: "http://127.0.0.1:11434/v1".to_owned(),
        }
    }
}

/// The executor's sandbox pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutorSettings {
    /// Warm sandbox slots; each runs one execution at a time.
    pub pool_size: usize,
    /// Requests that may wait for a slot; past this the answer is "busy" (HTTP 503).
    pub max_queue: usize,
    /// Longest a request waits in the queue for a slot; then it is answered "busy" (HTTP 503
    /// with `Retry-After`).
    pub queue_timeout_secs: f64,
    /// Retries of an infrastructure failure (a slot died, the sandbox could not be set up).
    pub max_retries: u32,
    /// Cap of the exponential backoff between retries, in seconds (2^attempt, at most this).
    pub max_backoff_secs: u64,
    /// Seconds given to in-flight executions on SIGTERM before they are killed.
    pub shutdown_grace_secs: u64,
    /// Most executions one caller holds at once (fair admission); 0: a third of the pool,
    /// at least one, so that two callers at their caps leave a third to everyone else. A
    /// service running open has one caller, who is not capped.
    pub max_concurrent_per_caller: usize,
    /// Most requests one caller may have waiting for a slot (past it: HTTP 429); 0: a
    /// quarter of `max_queue`, at least one (the whole queue when running open).
    pub max_queued_per_caller: usize,
    /// Limits applied when a request names none.
    pub default_limits: LimitSettings,
    /// The most a request may ask for.
    pub max_limits: LimitSettings,
    pub sandbox: SandboxSettings,
}

impl Default for ExecutorSettings {
    fn default() -> Self {
        Self {
            pool_size: 2,
            max_queue: 64,
            queue_timeout_secs: 30.0,
            max_retries: 2,
            max_backoff_secs: 60,
            shutdown_grace_secs: 10,
            max_concurrent_per_caller: 0,
            max_queued_per_caller: 0,
            default_limits: LimitSettings::default(),
            max_limits: LimitSettings {
                timeout_secs: 60.0,
                memory_mb: 1024,
                cpus: 1.0,
                max_pids: 128,
                max_output_bytes: 4 << 20,
                disk_mb: 256,
            },
            sandbox: SandboxSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    pub timeout_secs: f64,
    pub memory_mb: u64,
    pub cpus: f64,
    pub max_pids: u32,
    pub max_output_bytes: u64,
    pub disk_mb: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            timeout_secs: 10.0,
            memory_mb: 256,
            cpus: 1.0,
            max_pids: 32,
            max_output_bytes: 1 << 20,
            disk_mb: 64,
        }
    }
}

/// How sandboxes are built. The seccomp policy lives in `roles/executor/seccomp.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// The interpreter that runs lightweight code.
    pub python: PathBuf,
    /// Host paths the sandbox sees, read-only, at the same place: the runtime and nothing else.
    /// Symlinks are recreated, not followed; list their targets too.
    pub runtime_paths: Vec<PathBuf>,
    /// Host uid and gid the sandboxes run as when the executor starts as root.
    pub uid: u32,
    pub gid: u32,
    /// Where cgroup file systems are mounted.
    pub cgroup_root: PathBuf,
    /// Start even when an isolation layer is unavailable, reporting the missing ones in
    /// `/api/v1/health` and in every result. Off by default: the executor refuses to start.
    pub allow_weaker: bool,
    /// Most open files of an execution.
    pub max_open_files: u64,
    /// Address space allowed above the memory limit (interpreter mappings, thread stacks);
    /// RLIMIT_AS is a backstop to the memory cgroup.
    pub address_space_headroom_mb: u64,
    /// Memory of each slot's own processes (its init and the zygote, with what it preloads),
    /// limited in a cgroup apart from the executions'.
    pub zygote_memory_mb: u64,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            python: PathBuf::from("/usr/bin/python3"),
            runtime_paths: vec![
                PathBuf::from("/usr/lib/python3.11"),
                // The time zone database zoneinfo reads.
                PathBuf::from("/usr/share/zoneinfo"),
                PathBuf::from("/usr/lib/x86_64-linux-gnu"),
                PathBuf::from("/usr/lib64"),
                PathBuf::from("/lib64"),
                PathBuf::from("/lib"),
            ],
            uid: 65534,
            gid: 65534,
            cgroup_root: PathBuf::from("/sys/fs/cgroup"),
            allow_weaker: false,
            max_open_files: 256,
            address_space_headroom_mb: 1024,
            zygote_memory_mb: 1024,
        }
    }
}
