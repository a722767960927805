use serde::{Deserialize, Serialize};

use super::ExecutionResult;

/// Where a heavy job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// Stopped by `DELETE /api/v1/jobs/{job_id}`.
    Cancelled,
}

impl JobStatus {
    pub fn is_done(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// A heavy job as `GET /api/v1/jobs/{job_id}` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRecord {
    pub job_id: String,
    pub request_id: String,
    /// The caller that created the job (`key:<id>`, `oidc:<subject>`, `anonymous`): only
    /// it, or a caller with `admin`, can read the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub status: JobStatus,
    /// RFC 3339, UTC.
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// The folder the results were written to (`result.json` and the code's files), as
    /// pandas/fsspec opens it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ExecutionResult>,
    /// Why a failed job failed, when the runner could not say it in a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /api/v1/create_heavy_job` answers this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobCreated {
    pub job_id: String,
    pub status: JobStatus,
    pub created_at: String,
}
