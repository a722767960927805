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

/// A file a heavy job wrote to its output folder, as `GET /api/v1/jobs/{job_id}/outputs`
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputFile {
    /// The path relative to the output folder (`summary.csv`, `parts/p0.parquet`).
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// From the file name's extension (`text/csv`, `application/vnd.apache.parquet`, ...;
    /// `application/octet-stream` when unknown).
    pub content_type: String,
}

/// `GET /api/v1/jobs/{job_id}/outputs` answers this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobOutputs {
    pub job_id: String,
    pub files: Vec<OutputFile>,
}

impl OutputFile {
    /// The content type of a file named `name`, by its extension.
    pub fn content_type_of(name: &str) -> &'static str {
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "csv" => "text/csv",
            "tsv" => "text/tab-separated-values",
            "txt" | "log" => "text/plain; charset=utf-8",
            "md" => "text/markdown; charset=utf-8",
            "json" => "application/json",
            "jsonl" | "ndjson" => "application/x-ndjson",
            "html" | "htm" => "text/html; charset=utf-8",
            "xml" => "application/xml",
            "parquet" => "application/vnd.apache.parquet",
            "arrow" | "feather" | "ipc" => "application/vnd.apache.arrow.file",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "svg" => "image/svg+xml",
            "pdf" => "application/pdf",
            "zip" => "application/zip",
            "gz" => "application/gzip",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "application/octet-stream",
        }
    }
}

/// `GET /api/v1/jobs/{job_id}/logs` answers this: the program's output so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobLogs {
    pub job_id: String,
    pub status: JobStatus,
    pub stdout: String,
    pub stderr: String,
    /// `true` once the job has ended: the text is its result's (all of the output, up to
    /// the output limit). While it runs: the output its runner has relayed so far (the local
    /// backend; on the Kubernetes backend the output is known when the job ends).
    pub complete: bool,
}

/// `POST /api/v1/files` answers this: an uploaded file, usable by its id in a heavy
/// request's `inputs` (by the caller that uploaded it only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadedFile {
    /// `f-` and 32 hex digits.
    pub file_id: String,
    /// The name the file gets in a job's input folder (`?name=`, else `upload`).
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the bytes, hex; checked again when a job stages the file.
    pub sha256: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// An input as its job's runner staged it, in `results/{job_id}/inputs.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StagedInput {
    /// The file name in the input folder.
    pub name: String,
    /// What the request named: a file id or a storage URL.
    pub source: String,
    pub size: u64,
    pub sha256: String,
}
