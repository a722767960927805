//! Heavy jobs: the backend that runs `pyexec job-run` (a local sandboxed child process, or a
//! Kubernetes Job) and the record of every job the executor started.

pub mod kubernetes;
pub mod process;
pub mod runner;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::{watch, Semaphore};

use crate::config::{JobBackendKind, Settings, Sources, StorageBackend};
use crate::models::{
    CodeExecutionRequest, ExecutionResult, JobCreated, JobRecord, JobStatus, ResourceLimits,
};
use crate::storage::Storage;

/// The most a Kubernetes Secret holds (its data, in bytes): the code of a Kubernetes job.
const KUBERNETES_SECRET_MAX_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the job could not be started: {0}")]
    Backend(String),
}

/// Whether `id` may name a job and its result folder.
pub fn sane_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The job id of a request: a DNS-1123 label (a valid Kubernetes Job name) derived from the
/// request id, with a hash of the exact id so that ids differing only in case or in
/// characters a label cannot hold still get different jobs.
pub fn job_id(request_id: &str) -> String {
    let mut slug: String = request_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.truncate(40);
    let slug = slug.trim_matches('-');
    // FNV-1a: stable across runs and versions, unlike std's hasher.
    let hash = request_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    if slug.is_empty() {
        format!("pyexec-{:012x}", hash & 0xffff_ffff_ffff)
    } else {
        format!("pyexec-{slug}-{:08x}", hash & 0xffff_ffff)
    }
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// The jobs the executor started, each with a channel that changes as the job does.
pub struct JobService {
    settings: Settings,
    sources: Sources,
    storage: Storage,
    running: Arc<Semaphore>,
    jobs: Mutex<HashMap<String, watch::Sender<JobRecord>>>,
    /// The API server, for `jobs.backend = "kubernetes"`.
    kube: Option<kube::Client>,
}

impl JobService {
    pub async fn new(settings: &Settings, sources: &Sources) -> anyhow::Result<Arc<Self>> {
        use anyhow::Context as _;
        let kube = match settings.jobs.backend {
            JobBackendKind::Local => None,
            JobBackendKind::Kubernetes => Some(match &settings.jobs.api_url {
                Some(url) => {
                    let uri = url.parse().with_context(|| format!("jobs.api_url {url:?}"))?;
                    kube::Client::try_from(kube::Config::new(uri))?
                }
                None => kube::Client::try_default()
                    .await
                    .context("no Kubernetes configuration (in-cluster or kubeconfig); set jobs.api_url or use jobs.backend = \"local\"")?,
            }),
        };
        let mut settings = settings.clone();
        if settings.storage.backend == StorageBackend::Fs {
            // The runner starts elsewhere: give it an absolute folder.
            let root = PathBuf::from(&settings.storage.root);
            if root.is_relative() {
                settings.storage.root = std::env::current_dir()?.join(root).display().to_string();
            }
        }
        let storage = Storage::from_settings(&settings.storage)?;
        Ok(Arc::new(Self {
            running: Arc::new(Semaphore::new(settings.jobs.max_running.max(1))),
            settings,
            sources: sources.clone(),
            storage,
            jobs: Mutex::new(HashMap::new()),
            kube,
        }))
    }

    /// Starts a heavy job for `request`, or returns the one this request id already has.
    /// Code the runner would refuse anyway (a NUL byte, too big) is refused here, before
    /// anything is queued.
    pub fn create(
        self: &Arc<Self>,
        request: &CodeExecutionRequest,
        request_id: &str,
    ) -> Result<JobCreated, JobsError> {
        if !sane_request_id(request_id) {
            return Err(JobsError::BadRequest(format!(
                "request id {request_id:?} cannot name a job (letters, digits, - _ . : only)"
            )));
        }
        self.check_code(&request.code)?;
        let limits = runner::heavy_limits(&self.settings, request.limits.as_ref(), None)
            .map_err(|e| JobsError::BadRequest(e.to_string()))?;
        let job_id = job_id(request_id);
        let mut jobs = self
            .jobs
            .lock()
            .map_err(|_| JobsError::Backend("job table poisoned".to_owned()))?;
        if let Some(existing) = jobs.get(&job_id) {
            let record = existing.borrow().clone();
            tracing::info!(%job_id, "job exists for this request id; not starting another");
            return Ok(JobCreated {
                job_id: record.job_id,
                status: record.status,
                created_at: record.created_at,
            });
        }
        let record = JobRecord {
            job_id: job_id.clone(),
            request_id: request_id.to_owned(),
            status: JobStatus::Pending,
            created_at: now_rfc3339(),
            finished_at: None,
            result_location: None,
            result: None,
            error: None,
        };
        let (tx, _) = watch::channel(record.clone());
        jobs.insert(job_id.clone(), tx.clone());
        drop(jobs);
        let service = Arc::clone(self);
        let code = request.code.clone();
        let request_limits = request.limits.clone();
        let request_id = request_id.to_owned();
        let span = tracing::info_span!("job", request_id = %request_id, job_id = %job_id);
        tokio::spawn(tracing::Instrument::instrument(
            async move {
                match service.kube.clone() {
                    Some(client) => {
                        service
                            .run_kubernetes(client, tx, code, request_id, limits)
                            .await
                    }
                    None => {
                        service
                            .run_local(tx, code, request_id, request_limits, limits.timeout_secs)
                            .await
                    }
                }
            },
            span,
        ));
        Ok(JobCreated {
            job_id: record.job_id,
            status: record.status,
            created_at: record.created_at,
        })
    }

    /// Refuses code with a NUL byte (Python source cannot hold one; the runner and the
    /// Secret would carry it to a certain failure) and code bigger than the validator takes.
    fn check_code(&self, code: &str) -> Result<(), JobsError> {
        if let Some(offset) = code.bytes().position(|b| b == 0) {
            return Err(JobsError::BadRequest(format!(
                "the code holds a NUL byte at byte offset {offset}; Python source cannot contain one"
            )));
        }
        let mut max = self.settings.validator.max_source_bytes;
        let mut why = "validator.max_source_bytes";
        if self.kube.is_some() && KUBERNETES_SECRET_MAX_BYTES < max {
            max = KUBERNETES_SECRET_MAX_BYTES;
            why = "the most a Kubernetes Secret holds";
        }
        if code.len() > max {
            return Err(JobsError::BadRequest(format!(
                "the code is {} bytes; a heavy job takes at most {max} ({why})",
                code.len()
            )));
        }
        Ok(())
    }

    pub fn get(&self, job_id: &str) -> Option<JobRecord> {
        let jobs = self.jobs.lock().ok()?;
        jobs.get(job_id).map(|tx| tx.borrow().clone())
    }

    /// The job once it is done, or as it is when `within` runs out.
    pub async fn wait(&self, job_id: &str, within: Duration) -> Option<JobRecord> {
        let mut rx = {
            let jobs = self.jobs.lock().ok()?;
            jobs.get(job_id)?.subscribe()
        };
        let _ = tokio::time::timeout(within, rx.wait_for(|r| r.status.is_done())).await;
        let record = rx.borrow().clone();
        Some(record)
    }

    /// The Kubernetes backend: create the Job, follow it through the watch API, then read
    /// the result its runner wrote to storage.
    async fn run_kubernetes(
        self: Arc<Self>,
        client: kube::Client,
        tx: watch::Sender<JobRecord>,
        code: String,
        request_id: String,
        limits: crate::config::LimitSettings,
    ) {
        let jobs = &self.settings.jobs;
        let job_id = tx.borrow().job_id.clone();
        let (job, secret) = kubernetes::build_job(&kubernetes::JobInput {
            job_id: &job_id,
            request_id: &request_id,
            code: &code,
            limits: &limits,
            jobs,
            storage: &self.settings.storage,
        });
        match kubernetes::create(&client, &jobs.namespace, &job, &secret, jobs.api_retries).await {
            Ok(true) => tracing::info!("Kubernetes Job created"),
            Ok(false) => tracing::info!(
                "a Job of this name exists; following it instead of creating another"
            ),
            Err(err) => {
                tracing::error!(error = %err, "Kubernetes Job not created");
                self.record_end(&tx, &request_id, JobStatus::Failed, Some(err), None);
                return;
            }
        }
        let followed = kubernetes::follow(&client, &jobs.namespace, &job_id, |job| {
            let status = kubernetes::status_of(job);
            if !status.is_done() {
                tx.send_if_modified(|r| std::mem::replace(&mut r.status, status) != status);
            }
        })
        .await;
        let result = self.read_result(&request_id).await;
        let (status, error) = match &followed {
            Ok(job) => (kubernetes::status_of(job), kubernetes::failure_of(job)),
            Err(err) => (JobStatus::Failed, Some(err.clone())),
        };
        self.record_end(&tx, &request_id, status, error, result);
    }

    /// The local backend: `pyexec job-run` as a child process, awaited (not polled).
    async fn run_local(
        self: Arc<Self>,
        tx: watch::Sender<JobRecord>,
        code: String,
        request_id: String,
        limits: Option<ResourceLimits>,
        timeout_secs: f64,
    ) {
        let Ok(_permit) = self.running.clone().acquire_owned().await else {
            return;
        };
        tx.send_modify(|r| r.status = JobStatus::Running);
        tracing::info!("job running (local backend)");
        let outcome = self
            .spawn_runner(&code, &request_id, limits.as_ref(), timeout_secs)
            .await;
        let result = self.read_result(&request_id).await;
        let (status, error) = match &outcome {
            Ok(0) => (JobStatus::Succeeded, None),
            Ok(code) => (
                JobStatus::Failed,
                result
                    .is_none()
                    .then(|| format!("the runner exited with code {code} and wrote no result")),
            ),
            Err(err) => (JobStatus::Failed, Some(err.clone())),
        };
        self.record_end(&tx, &request_id, status, error, result);
    }

    /// The `result.json` the runner wrote, if it wrote one.
    async fn read_result(&self, request_id: &str) -> Option<ExecutionResult> {
        let bytes = self
            .storage
            .read(&format!("results/{request_id}/result.json"))
            .await
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Records how a job ended, whatever the backend.
    fn record_end(
        &self,
        tx: &watch::Sender<JobRecord>,
        request_id: &str,
        status: JobStatus,
        error: Option<String>,
        result: Option<ExecutionResult>,
    ) {
        let location = result
            .is_some()
            .then(|| self.storage.location(&format!("results/{request_id}")));
        tx.send_modify(|r| {
            r.finished_at = Some(now_rfc3339());
            r.status = status;
            r.error = error;
            r.result_location = location;
            r.result = result;
        });
        let record = tx.borrow().clone();
        tracing::info!(status = ?record.status, location = ?record.result_location, "job finished");
    }

    async fn spawn_runner(
        &self,
        code: &str,
        request_id: &str,
        limits: Option<&ResourceLimits>,
        timeout_secs: f64,
    ) -> Result<i32, String> {
        let program = std::env::current_exe().map_err(|e| format!("locating pyexec: {e}"))?;
        let mut command = tokio::process::Command::new(program);
        if let Some(dir) = &self.sources.roles_dir {
            command.arg("--roles-dir").arg(dir);
        }
        if let Some(file) = &self.sources.config_file {
            command.arg("--config").arg(file);
        }
        command
            .arg("job-run")
            .env("CODE", code)
            .env("REQUEST_ID", request_id)
            .env("TIMEOUT", timeout_secs.to_string())
            .env("PYEXEC_STORAGE__ROOT", &self.settings.storage.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(limits) = limits {
            let json = serde_json::to_string(limits).map_err(|e| e.to_string())?;
            command.env("LIMITS", json);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting the runner: {e}"))?;
        // The runner enforces the timeout itself; this is the backstop for a runner that hangs.
        let backstop = Duration::from_secs_f64(timeout_secs) + Duration::from_secs(120);
        match tokio::time::timeout(backstop, child.wait()).await {
            Ok(Ok(status)) => Ok(status.code().unwrap_or(2)),
            Ok(Err(err)) => Err(format!("waiting for the runner: {err}")),
            Err(_) => {
                let _ = child.kill().await;
                Err(format!(
                    "the runner did not finish within {backstop:?} and was killed"
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{job_id, sane_request_id};

    #[test]
    fn job_ids_are_dns_labels_and_distinct_per_request_id() {
        for id in ["Req-1", "req-1", "a_b.c:d", "x", "----", &"long".repeat(30)] {
            let job = job_id(id);
            assert!(job.len() <= 63, "{job}");
            assert!(
                job.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{job}"
            );
            assert!(job.starts_with("pyexec-") && !job.ends_with('-'), "{job}");
        }
        assert_ne!(job_id("Req-1"), job_id("req-1"));
        assert_eq!(job_id("req-1"), job_id("req-1"));
        assert!(sane_request_id("abc-1.2:3_4"));
        assert!(!sane_request_id("../etc"));
        assert!(!sane_request_id(""));
    }
}
