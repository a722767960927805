//! The Kubernetes backend: one `batch/v1` Job per heavy request, with the Secret holding its
//! program (`manifest.rs`, its pod's security in `security.rs`), created and followed through the API server (`api.rs`) for a job
//! of the [`JobService`](super::JobService) (`run.rs`).

mod api;
mod manifest;
mod run;
mod security;

pub use api::{create, delete, failure_of, follow, list, status_of, KubeError, JOB_SELECTOR};
pub use manifest::{build_job, secret_name, JobInput, CODE_KEY};
pub use run::client;
pub use security::{check, ManifestError};
