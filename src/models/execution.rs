use serde::{Deserialize, Serialize};

use super::{Finding, TierChoice};

/// Limits for one execution. Every field is optional in a request; the service fills what is
/// missing from its configuration and refuses values above its configured maximums.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceLimits {
    /// Wall-clock limit in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<f64>,
    /// Memory limit of the whole process tree, in MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u64>,
    /// CPU share in cores (0.5 = half a core).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
    /// Most processes and threads at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pids: Option<u32>,
    /// Bytes kept of each of stdout and stderr; the rest is dropped and flagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_bytes: Option<u64>,
    /// Size of the private work folder, in MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_mb: Option<u64>,
}

/// A program to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeExecutionRequest {
    pub code: String,
    /// Generated when absent; echoed in the result and on every log line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default)]
    pub tier: TierChoice,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceLimits>,
    /// Files a heavy job reads: staged read-only into its input folder (`INPUT_DIR`, named
    /// by the last part of each source unless a name is given) before the code runs.
    /// Naming inputs makes the request heavy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputRef>,
}

/// One input of a heavy job: an uploaded file's id (`POST /api/v1/files`) or a storage URL
/// in the configured bucket or container (`s3://bucket/key`, `az://container/path`,
/// `abfs[s]://container@account.dfs.core.windows.net/path`), alone or with the name it gets
/// in the input folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum InputRef {
    Source(String),
    Named(NamedInput),
}

/// An input with the file name it gets in `INPUT_DIR`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedInput {
    /// An uploaded file's id or a storage URL.
    pub source: String,
    /// A plain file name (no `/`, not starting with `.`).
    pub name: String,
}

impl InputRef {
    pub fn source(&self) -> &str {
        match self {
            Self::Source(source) => source,
            Self::Named(named) => &named.source,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Source(_) => None,
            Self::Named(named) => Some(&named.name),
        }
    }
}

impl CodeExecutionRequest {
    /// Refuses code no interpreter can take, before anything is queued (see [`check_source`]).
    pub fn check_code(&self) -> Result<(), String> {
        check_source(&self.code)
    }
}

/// Whether `id` may serve as a request id: 1 to 128 of letters, digits and `-_.:`, starting
/// with a letter or digit (so never `.` or `..`). One rule for every place an id arrives (a
/// header, a body, a job, an event), since the same id names jobs and result folders.
pub fn sane_request_id(id: &str) -> bool {
    id.len() <= 128
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// Refuses source with a NUL character: CPython refuses it, and it is a classic way to make
/// a checker and the interpreter read different programs. Invalid UTF-8 never gets this far:
/// request bodies must be UTF-8, and JSON strings cannot hold lone surrogates.
pub fn check_source(code: &str) -> Result<(), String> {
    match code.bytes().position(|b| b == 0) {
        Some(offset) => Err(format!(
            "the code holds a NUL byte at byte offset {offset}; Python source cannot contain one"
        )),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// The program ran to completion with exit code 0.
    Ok,
    /// An exception in user code, or a non-zero exit.
    Error,
    Timeout,
    MemoryLimit,
    /// Killed by a signal other than the timeout or memory limit.
    Killed,
    /// Refused by the validator; `findings` says why. Nothing ran.
    Rejected,
    /// The sandbox failed, not the code; `error` says what failed.
    InternalError,
}

/// What came of one execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionResult {
    pub request_id: String,
    pub status: ExecutionStatus,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub duration_ms: f64,
    pub cpu_ms: f64,
    pub peak_memory_kb: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// For `internal_error`: what failed, one entry per attempt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// The isolation layers that were in force (`validator`, `guards`, `namespaces`...).
    #[serde(default)]
    pub layers: Vec<String>,
}

impl ExecutionResult {
    /// A result for code the validator refused: nothing ran.
    pub fn rejected(request_id: String, findings: Vec<Finding>) -> Self {
        Self {
            findings,
            layers: vec!["validator".to_owned()],
            ..Self::nothing_ran(request_id, ExecutionStatus::Rejected)
        }
    }

    /// A result for a request the infrastructure failed after every retry: `errors` says
    /// what failed each time.
    pub fn internal_error(request_id: String, errors: Vec<String>, layers: Vec<String>) -> Self {
        Self {
            errors,
            layers,
            ..Self::nothing_ran(request_id, ExecutionStatus::InternalError)
        }
    }

    fn nothing_ran(request_id: String, status: ExecutionStatus) -> Self {
        Self {
            request_id,
            status,
            exit_code: None,
            signal: None,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            duration_ms: 0.0,
            cpu_ms: 0.0,
            peak_memory_kb: 0,
            findings: Vec::new(),
            errors: Vec::new(),
            layers: Vec::new(),
        }
    }
}
