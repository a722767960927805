//! The run history as the API and `pyexec history` show it: one record per request that
//! reached the executor, whatever became of it.

use serde::{Deserialize, Serialize};

use super::{ExecutionResult, ExecutionStatus, JobStatus, Tier};

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `POST /api/v1/execute_snippet` or `create_heavy_job`, called directly.
    Rest,
    /// A `/api/v1/query` of the LLM role (which calls the executor on the user's behalf).
    Llm,
    /// An event trigger (a queue or Event Hubs).
    Event,
    /// `pyexec exec` on a terminal.
    Cli,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Rest => "rest",
            Source::Llm => "llm",
            Source::Event => "event",
            Source::Cli => "cli",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Source::Rest, Source::Llm, Source::Event, Source::Cli]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What became of a request: a lightweight run's [`ExecutionStatus`], a heavy job's
/// [`JobStatus`], or `refused` (not run: the executor was busy, the caller over its limits,
/// or shutting down; the same request id may be sent again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Ok,
    Error,
    Timeout,
    MemoryLimit,
    Killed,
    Rejected,
    InternalError,
    Refused,
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub const ALL: [RunStatus; 13] = [
        RunStatus::Ok,
        RunStatus::Error,
        RunStatus::Timeout,
        RunStatus::MemoryLimit,
        RunStatus::Killed,
        RunStatus::Rejected,
        RunStatus::InternalError,
        RunStatus::Refused,
        RunStatus::Pending,
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Error => "error",
            RunStatus::Timeout => "timeout",
            RunStatus::MemoryLimit => "memory_limit",
            RunStatus::Killed => "killed",
            RunStatus::Rejected => "rejected",
            RunStatus::InternalError => "internal_error",
            RunStatus::Refused => "refused",
            RunStatus::Pending => "pending",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the request is settled: a resend gets this record back instead of running.
    /// `refused` is not settled (nothing ran); neither is a job still pending or running.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            RunStatus::Refused | RunStatus::Pending | RunStatus::Running
        )
    }
}

impl From<ExecutionStatus> for RunStatus {
    fn from(status: ExecutionStatus) -> Self {
        match status {
            ExecutionStatus::Ok => RunStatus::Ok,
            ExecutionStatus::Error => RunStatus::Error,
            ExecutionStatus::Timeout => RunStatus::Timeout,
            ExecutionStatus::MemoryLimit => RunStatus::MemoryLimit,
            ExecutionStatus::Killed => RunStatus::Killed,
            ExecutionStatus::Rejected => RunStatus::Rejected,
            ExecutionStatus::InternalError => RunStatus::InternalError,
        }
    }
}

impl From<JobStatus> for RunStatus {
    fn from(status: JobStatus) -> Self {
        match status {
            JobStatus::Pending => RunStatus::Pending,
            JobStatus::Running => RunStatus::Running,
            JobStatus::Succeeded => RunStatus::Succeeded,
            JobStatus::Failed => RunStatus::Failed,
            JobStatus::Cancelled => RunStatus::Cancelled,
        }
    }
}

/// One request in the run history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExecutionRecord {
    pub request_id: String,
    /// The caller it ran for (`key:<id>`, `oidc:<subject>`, `anonymous`).
    pub owner: String,
    pub source: Source,
    /// Where it ran; absent when it was refused before that was decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// Why the classifier chose the heavy tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tier_reasons: Vec<String>,
    pub status: RunStatus,
    /// RFC 3339, UTC: when the executor received the request.
    pub received_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Of the program's own run (a job: of its runner's run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_memory_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr_bytes: Option<u64>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_location: Option<String>,
    /// The validator's rule codes (`PX301`...), for a rejected program.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Generation rounds of the LLM query that produced the program.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// SHA-256 of the program, hex.
    pub code_sha256: String,
    /// The program itself (`history.store_code`), in single-record answers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What failed, when something other than the program failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The heavy job, for heavy requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The W3C trace context the request ran in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The whole result (with its output), in single-record answers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ExecutionResult>,
}

/// A page of history records, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryPage {
    pub items: Vec<ExecutionRecord>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
