//! Heavy jobs: the backend that runs `pyexec job-run` (a local process, or a Kubernetes
//! Job) and the record of every job the executor started.
//!
//! The local backend keeps each job on disk in `jobs.state_dir` (`state.rs`) and starts its
//! runner detached from the executor (a process group of its own, not killed when the
//! executor stops), so jobs outlive the executor:
//!
//! - on SIGTERM, [`JobService::shutdown`] starts nothing more and gives running jobs a grace
//!   period, then leaves the runners still working alive with their records `running`;
//!   queued jobs stay `pending` on disk;
//! - at start-up, [`JobService::new`] removes what dead pyexec processes left behind
//!   ([`reclaim`]), then takes over the previous instance's jobs: it follows the runners
//!   still alive, finishes the jobs whose runner ended meanwhile (from the `result.json` it
//!   wrote, else as failed) and starts the pending ones.
//!
//! One executor uses a state folder at a time: the next instance starts after the previous
//! one has stopped. The Kubernetes backend keeps its records in memory (its jobs live on in
//! the cluster).

mod ids;
pub mod inputs;
pub mod kubernetes;
mod local;
pub mod process;
pub mod reclaim;
mod resume;
pub mod runner;
mod state;
pub mod uploads;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::{watch, Semaphore};

use crate::config::{JobBackendKind, Settings, Sources, StorageBackend};
use crate::history::History;
use crate::models::{CodeExecutionRequest, ExecutionResult, JobCreated, JobRecord, JobStatus};
use crate::storage::Storage;
pub use ids::{job_id, job_id_for, sane_request_id};
use state::{StateDir, StoredJob};

/// The most a Kubernetes Secret holds (its data, in bytes): the code of a Kubernetes job.
const KUBERNETES_SECRET_MAX_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error("{0}")]
    BadRequest(String),
    #[error("job {0} belongs to another caller: use another request id")]
    Conflict(String),
    #[error("the job could not be started: {0}")]
    Backend(String),
    #[error("cannot write the job state {path}")]
    State {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}")]
    Setup {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl JobsError {
    fn setup(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Setup {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// The runner's completion-event sink, as `PYEXEC_EVENTS__*` variables (`events.local`
/// resolved): kind, URL, address, user, token lifetime, the Event Hubs namespace (workload
/// identity) and `allow_plaintext`, never the
/// password or the Event Hubs connection string (the local backend adds them; a Kubernetes
/// Job gets them from `jobs.storage_secret`, keys `PYEXEC_EVENTS__SINK__PASSWORD` and
/// `PYEXEC_EVENTS__SINK__CONNECTION_STRING`). Nothing when no sink is configured.
pub fn sink_env(events: &crate::config::EventsSettings) -> Vec<(String, String)> {
    let events = events.resolved();
    let sink = &events.sink;
    if sink.kind == crate::config::EventKind::None {
        return Vec::new();
    }
    let eventhubs = sink.kind == crate::config::EventKind::EventHubs;
    let kind = if eventhubs { "eventhubs" } else { "amqp" };
    let mut env = vec![
        ("PYEXEC_EVENTS__SINK__KIND".to_owned(), kind.to_owned()),
        ("PYEXEC_EVENTS__SINK__URL".to_owned(), sink.url.clone()),
        (
            "PYEXEC_EVENTS__SINK__ADDRESS".to_owned(),
            sink.address.clone(),
        ),
    ];
    if let Some(user) = &sink.username {
        env.push(("PYEXEC_EVENTS__SINK__USERNAME".to_owned(), user.clone()));
    }
    if eventhubs {
        env.push((
            "PYEXEC_EVENTS__SINK__TOKEN_TTL_SECS".to_owned(),
            sink.token_ttl_secs.to_string(),
        ));
        // Workload identity: the namespace (no secret; the pod's federated token is the
        // credential).
        if let Some(namespace) = &sink.namespace {
            env.push((
                "PYEXEC_EVENTS__SINK__NAMESPACE".to_owned(),
                namespace.clone(),
            ));
        }
    }
    if events.allow_plaintext {
        env.push((
            "PYEXEC_EVENTS__ALLOW_PLAINTEXT".to_owned(),
            "true".to_owned(),
        ));
    }
    env
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

use crate::telemetry::error_chain as chain;

/// `path`, absolute: relative paths are taken from the working directory.
fn absolute(path: &Path) -> Result<PathBuf, JobsError> {
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    let here = std::env::current_dir()
        .map_err(|e| JobsError::setup("cannot read the working directory", e))?;
    Ok(here.join(path))
}

/// The jobs of this executor, each with a channel that changes as the job does.
pub struct JobService {
    settings: Settings,
    sources: Sources,
    storage: Storage,
    /// The `pyexec` binary whose `job-run` runs local jobs.
    program: PathBuf,
    /// Local backend: one permit per job allowed to run at once (`jobs.max_running`);
    /// closed by [`JobService::shutdown`].
    running: Arc<Semaphore>,
    /// The uploads being written ([`uploads::MAX_UPLOADS_AT_ONCE`], per caller
    /// [`uploads::MAX_UPLOADS_PER_CALLER`]).
    uploads: uploads::Uploads,
    table: Mutex<Table>,
    /// Local backend: where jobs are kept.
    state: Option<StateDir>,
    /// The API server, for `jobs.backend = "kubernetes"`.
    kube: Option<kube::Client>,
    /// Where created jobs are counted, once the role has set it ([`JobService::count_in`]).
    metrics: std::sync::OnceLock<Arc<crate::metrics::Metrics>>,
    /// Where every job's progress is recorded, when there is a run history.
    history: Option<History>,
    /// Where a job that ended without its runner announcing it is announced
    /// ([`JobService::publish_in`]).
    completions: std::sync::OnceLock<Arc<dyn crate::models::CompletionSink>>,
    /// Events of jobs that ended at start-up (taken over, reconciled), before
    /// [`JobService::publish_in`] could be called: published by it.
    early_ends: Mutex<Vec<crate::models::CompletionEvent>>,
}

/// The most start-up job ends kept for [`JobService::publish_in`].
const MAX_EARLY_ENDS: usize = 10_000;

#[derive(Default)]
struct Table {
    jobs: HashMap<String, watch::Sender<JobRecord>>,
    /// Jobs cancelled and not yet ended: they end `cancelled`, not `failed`.
    cancelled: HashMap<String, String>,
    /// Set by [`JobService::shutdown`]: no job starts any more.
    stopping: bool,
}

fn created(record: &JobRecord) -> JobCreated {
    JobCreated {
        job_id: record.job_id.clone(),
        status: record.status,
        created_at: record.created_at.clone(),
    }
}

impl JobService {
    /// The job service of `settings`, with this binary as the runner. With the local
    /// backend, it also removes dead processes' leftovers and takes over the jobs the
    /// previous instance left in `jobs.state_dir` (see the module's documentation).
    pub async fn new(
        settings: &Settings,
        sources: &Sources,
        history: Option<History>,
    ) -> Result<Arc<Self>, JobsError> {
        let program = std::env::current_exe()
            .map_err(|e| JobsError::setup("cannot locate the pyexec binary", e))?;
        Self::with_runner(settings, sources, program, history).await
    }

    /// As [`JobService::new`], with `program` as the `pyexec` binary that runs local jobs
    /// (`program job-run`): for a process that is not itself `pyexec`, such as a test.
    pub async fn with_runner(
        settings: &Settings,
        sources: &Sources,
        program: PathBuf,
        history: Option<History>,
    ) -> Result<Arc<Self>, JobsError> {
        let kube = match settings.jobs.backend {
            JobBackendKind::Local => None,
            JobBackendKind::Kubernetes => Some(kubernetes::client(settings).await?),
        };
        let mut settings = settings.clone();
        if settings.storage.backend == StorageBackend::Fs {
            // The runner starts elsewhere: give it an absolute folder.
            let root = absolute(Path::new(&settings.storage.root))?;
            settings.storage.root = root.display().to_string();
        }
        settings.jobs.state_dir = absolute(&settings.jobs.state_dir)?;
        let storage = Storage::from_settings(&settings.storage)
            .map_err(|e| JobsError::setup("cannot open the job storage", e))?;
        let state = match settings.jobs.backend {
            JobBackendKind::Local => Some(StateDir::open(&settings.jobs.state_dir)?),
            JobBackendKind::Kubernetes => None,
        };
        let cgroup_root = settings.executor.sandbox.cgroup_root.clone();
        // Before anything new runs: what dead executors and runners left behind.
        let _ = tokio::task::spawn_blocking(move || {
            reclaim::reclaim(&cgroup_root, &std::env::temp_dir())
        })
        .await;
        let service = Arc::new(Self {
            running: Arc::new(Semaphore::new(settings.jobs.max_running.max(1))),
            uploads: uploads::Uploads::default(),
            settings,
            sources: sources.clone(),
            storage,
            program,
            table: Mutex::new(Table::default()),
            state,
            kube,
            metrics: std::sync::OnceLock::new(),
            history,
            completions: std::sync::OnceLock::new(),
            early_ends: Mutex::new(Vec::new()),
        });
        service.resume().await;
        service.reconcile().await;
        Ok(service)
    }

    /// Announces, from now on (set once), every job that ends without its runner having
    /// published its completion event (it died, was killed or cancelled, its Job failed or
    /// vanished): the runner announces the others itself (`pyexec job-run`), and leaves its
    /// event beside the result ([`runner::event_marker`]) to say so.
    pub fn publish_in(&self, completions: Arc<dyn crate::models::CompletionSink>) {
        let early = self
            .early_ends
            .lock()
            .map(|mut early| std::mem::take(&mut *early))
            .unwrap_or_default();
        for event in early {
            completions.publish(event);
        }
        let _ = self.completions.set(completions);
    }

    /// Publishes the completion event of `record`, which has ended, unless its runner did.
    async fn announce_end(&self, record: &JobRecord) {
        if self
            .storage
            .read(&runner::event_marker(&record.job_id))
            .await
            .is_ok()
        {
            tracing::info!("the runner announced the job's end");
            return;
        }
        let event = crate::models::CompletionEvent::of_job(
            crate::models::Finished {
                job_id: &record.job_id,
                request_id: &record.request_id,
                owner: record.owner.as_deref(),
                tier: crate::models::Tier::Heavy,
                received_at: crate::models::CompletionEvent::job_created_ms(record),
                started_at: None,
                finished_at: crate::models::CompletionEvent::job_finished_ms(record),
                result_location: record.result_location.clone(),
                traceparent: crate::telemetry::current_traceparent(),
            },
            record,
        );
        let Some(event) = event else {
            return;
        };
        match self.completions.get() {
            Some(sink) => {
                tracing::info!(
                    status = event.status.as_str(),
                    "the runner did not announce the job's end; announcing it"
                );
                sink.publish(event);
            }
            None => {
                if let Ok(mut early) = self.early_ends.lock() {
                    if early.len() < MAX_EARLY_ENDS {
                        early.push(event);
                    }
                }
            }
        }
    }

    /// Counts the jobs this service creates in `metrics` from now on (set once).
    pub fn count_in(&self, metrics: &Arc<crate::metrics::Metrics>) {
        let _ = self.metrics.set(Arc::clone(metrics));
    }

    /// Starts a heavy job for `request`, or returns the one this request id already has.
    /// Code the runner would refuse anyway (a NUL byte, too big) is refused here, before
    /// anything is kept or queued.
    pub fn create(
        self: &Arc<Self>,
        request: &CodeExecutionRequest,
        request_id: &str,
        owner: &str,
    ) -> Result<JobCreated, JobsError> {
        if !sane_request_id(request_id) {
            return Err(JobsError::BadRequest(format!(
                "request id {request_id:?} cannot name a job (letters, digits, - _ . : only)"
            )));
        }
        self.check_code(&request.code)?;
        let limits = runner::heavy_limits(&self.settings, request.limits.as_ref(), None)
            .map_err(|e| JobsError::BadRequest(e.to_string()))?;
        let inputs = inputs::resolve(
            &request.inputs,
            owner,
            &self.settings.storage,
            &self.settings.jobs.inputs,
        )
        .map_err(|e| JobsError::BadRequest(e.to_string()))?;
        let job_id = job_id_for(owner, request_id);
        let mut table = self
            .table
            .lock()
            .map_err(|_| JobsError::Backend("job table poisoned".to_owned()))?;
        let existing = table
            .jobs
            .get(&job_id)
            .map(|tx| tx.borrow().clone())
            .or_else(|| {
                let state = self.state.as_ref()?;
                state.read(&job_id).map(|stored| stored.record)
            });
        if let Some(record) = existing {
            if record.owner.as_deref() != Some(owner) {
                // Job ids are owner-scoped, so this cannot happen by accident; it never tells
                // one caller about another's job.
                tracing::warn!(%job_id, "job id already used by another caller");
                return Err(JobsError::Conflict(job_id));
            }
            tracing::info!(%job_id, "job exists for this request id; not starting another");
            return Ok(created(&record));
        }
        let record = JobRecord {
            job_id: job_id.clone(),
            request_id: request_id.to_owned(),
            owner: Some(owner.to_owned()),
            status: JobStatus::Pending,
            created_at: now_rfc3339(),
            finished_at: None,
            result_location: None,
            result: None,
            error: None,
        };
        let (tx, _) = watch::channel(record.clone());
        match &self.state {
            Some(state) => {
                let stored = StoredJob {
                    record: record.clone(),
                    limits: request.limits.clone(),
                    timeout_secs: limits.timeout_secs,
                    runner: None,
                    traceparent: crate::telemetry::current_traceparent(),
                    inputs,
                };
                if let Err(err) = state.create(&stored, &request.code) {
                    tracing::error!(error = %chain(&err), "job not kept; not started");
                    return Err(err);
                }
                table.jobs.insert(job_id, tx.clone());
                drop(table);
                self.record(&tx);
                self.spawn_local(local::LocalJob { tx, stored });
            }
            None => {
                table.jobs.insert(job_id, tx.clone());
                drop(table);
                self.record(&tx);
                self.spawn_kubernetes(tx, request.code.clone(), limits, inputs);
            }
        }
        if let Some(metrics) = self.metrics.get() {
            metrics.heavy_job_created();
        }
        Ok(created(&record))
    }

    /// Records the job's progress in the run history, when there is one.
    fn record(&self, tx: &watch::Sender<JobRecord>) {
        if let Some(history) = &self.history {
            history.follow_job(tx.subscribe());
        }
    }

    /// The run history this service records in.
    pub fn history(&self) -> Option<&History> {
        self.history.as_ref()
    }

    /// Cancels a job that has not ended: a pending one never starts; a running one's runner
    /// (local) or Job (Kubernetes) is stopped. It ends `cancelled`, with `why` as its error.
    /// `Ok(false)`: it had already ended or is not followed here.
    pub async fn cancel(&self, job_id: &str, why: &str) -> Result<bool, JobsError> {
        let tx = {
            let mut table = self
                .table
                .lock()
                .map_err(|_| JobsError::Backend("job table poisoned".to_owned()))?;
            let Some(tx) = table.jobs.get(job_id).cloned() else {
                return Ok(false);
            };
            if tx.borrow().status.is_done() {
                return Ok(false);
            }
            table.cancelled.insert(job_id.to_owned(), why.to_owned());
            tx
        };
        tracing::info!(%job_id, why, "cancelling the job");
        match (&self.state, &self.kube) {
            (Some(state), _) => {
                let pending = tx.borrow().status == JobStatus::Pending;
                if pending {
                    // Its task waits for a permit; it sees the cancellation and never starts.
                    let mut record = tx.borrow().clone();
                    self.end_record(
                        &mut record,
                        JobStatus::Cancelled,
                        Some(why.to_owned()),
                        None,
                    );
                    if let Some(mut stored) = state.read(job_id) {
                        stored.record = record.clone();
                        if let Err(err) = state.write(&stored) {
                            tracing::error!(error = %chain(&err), "cannot keep the job's record");
                        }
                    }
                    state.remove_code(job_id);
                    tx.send_replace(record.clone());
                    self.announce_end(&record).await;
                } else if let Some(runner) = state.read(job_id).and_then(|s| s.runner) {
                    // Its task sees the runner end and records the job cancelled.
                    local::kill_group(runner.process, "cancelled");
                }
            }
            (None, Some(client)) => {
                kubernetes::delete(client, &self.settings.jobs.namespace, job_id)
                    .await
                    .map_err(|e| JobsError::Backend(chain(&e)))?;
            }
            (None, None) => return Ok(false),
        }
        Ok(true)
    }

    /// Why the job was cancelled, if it was.
    pub(super) fn cancellation(&self, job_id: &str) -> Option<String> {
        self.table.lock().ok()?.cancelled.get(job_id).cloned()
    }

    /// Refuses code with a NUL byte (Python source cannot hold one; the runner and the
    /// Secret would carry it to a certain failure) and code bigger than the validator takes.
    fn check_code(&self, code: &str) -> Result<(), JobsError> {
        crate::models::check_source(code).map_err(JobsError::BadRequest)?;
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

    /// The job, if this instance follows it.
    fn get_followed(&self, job_id: &str) -> Option<JobRecord> {
        let table = self.table.lock().ok()?;
        table.jobs.get(job_id).map(|tx| tx.borrow().clone())
    }

    /// The job as it is now: this instance's, or one kept in the state folder.
    pub fn get(&self, job_id: &str) -> Option<JobRecord> {
        let in_table = {
            let table = self.table.lock().ok()?;
            table.jobs.get(job_id).map(|tx| tx.borrow().clone())
        };
        in_table.or_else(|| Some(self.state.as_ref()?.read(job_id)?.record))
    }

    /// The job once it is done, or as it is when `within` runs out.
    pub async fn wait(&self, job_id: &str, within: Duration) -> Option<JobRecord> {
        let rx = {
            let table = self.table.lock().ok()?;
            table.jobs.get(job_id).map(watch::Sender::subscribe)
        };
        let Some(mut rx) = rx else {
            // Not followed by this instance: done, or unknown.
            return self.get(job_id);
        };
        let _ = tokio::time::timeout(within, rx.wait_for(|r| r.status.is_done())).await;
        let record = rx.borrow().clone();
        Some(record)
    }

    /// For SIGTERM: starts no job any more, waits up to `grace` for the running local jobs to
    /// finish, then returns. Runners still working are left running with their records
    /// `running`, and queued jobs stay `pending`: the next instance started on the same
    /// `jobs.state_dir` follows the former and starts the latter. Kubernetes jobs run on in
    /// the cluster; nothing is waited for.
    pub async fn shutdown(&self, grace: Duration) {
        let mut running: Vec<watch::Receiver<JobRecord>> = {
            let Ok(mut table) = self.table.lock() else {
                return;
            };
            table.stopping = true;
            table
                .jobs
                .values()
                .filter(|tx| tx.borrow().status == JobStatus::Running)
                .map(watch::Sender::subscribe)
                .collect()
        };
        // Wakes the queued jobs, which then leave their records pending.
        self.running.close();
        if self.state.is_none() {
            return;
        }
        tracing::info!(
            running = running.len(),
            grace_secs = grace.as_secs_f64(),
            "jobs: starting nothing more; running jobs get the grace period"
        );
        let all = futures_util::future::join_all(
            running
                .iter_mut()
                // The borrowed record is dropped inside: the future stays Send.
                .map(|rx| async move {
                    let _ = rx.wait_for(|r| r.status.is_done()).await;
                }),
        );
        let _ = tokio::time::timeout(grace, all).await;
        let left = running
            .iter()
            .filter(|rx| !rx.borrow().status.is_done())
            .count();
        let pending = self.table.lock().map_or(0, |table| {
            table
                .jobs
                .values()
                .filter(|tx| tx.borrow().status == JobStatus::Pending)
                .count()
        });
        tracing::info!(
            running = left,
            pending,
            "jobs: handed over to the next instance (state kept in {})",
            self.settings.jobs.state_dir.display()
        );
    }

    /// The output of job `record` from `offset` on: once it has ended, all of its result's
    /// (`complete`); while it runs, what its runner relayed to its log after byte `offset`
    /// (local backend; nothing on Kubernetes until the job ends), with the offset to ask
    /// from next. Reads at most [`RELAY_READ`] bytes a call, off the async threads.
    pub async fn logs_since(
        &self,
        record: &JobRecord,
        offset: u64,
    ) -> (crate::models::JobLogs, u64) {
        let ended = !matches!(record.status, JobStatus::Pending | JobStatus::Running);
        let mut logs = crate::models::JobLogs {
            job_id: record.job_id.clone(),
            status: record.status,
            stdout: String::new(),
            stderr: String::new(),
            complete: ended,
        };
        if ended {
            if let Some(result) = &record.result {
                logs.stdout.clone_from(&result.stdout);
                logs.stderr.clone_from(&result.stderr);
            }
            return (logs, offset);
        }
        let Some(state) = &self.state else {
            return (logs, offset);
        };
        let path = state.log_file(&record.job_id);
        let read = tokio::task::spawn_blocking(move || read_relayed(&path, offset)).await;
        let Ok((stdout, stderr, next)) = read else {
            return (logs, offset);
        };
        logs.stdout = stdout;
        logs.stderr = stderr;
        (logs, next)
    }

    /// The files job `job_id` wrote, from the manifest its runner keeps beside them; `None`
    /// when there is none (the job has not finished, or ended before writing outputs).
    pub async fn outputs(
        &self,
        job_id: &str,
    ) -> Result<Option<Vec<crate::models::OutputFile>>, JobsError> {
        let path = runner::outputs_manifest(&format!("results/{job_id}"));
        match self.storage.size(&path).await {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(None),
            Err(err) => return Err(JobsError::setup("cannot read the job's outputs", err)),
        }
        let bytes = self
            .storage
            .read(&path)
            .await
            .map_err(|e| JobsError::setup("cannot read the job's outputs", e))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| JobsError::setup(format!("the outputs manifest {path} is unreadable"), e))
    }

    /// The bytes `range` of output `name` of job `job_id` (a name its manifest lists).
    pub async fn output_stream(
        &self,
        job_id: &str,
        name: &str,
        range: std::ops::Range<u64>,
    ) -> Result<
        impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send + 'static,
        JobsError,
    > {
        self.storage
            .stream(&format!("results/{job_id}/{name}"), range)
            .await
            .map_err(|e| JobsError::setup("cannot read the job's output", e))
    }

    /// The result the runner of job `job_id` wrote (under its own folder: never another
    /// job's, whatever request id either used).
    async fn read_result(&self, job_id: &str) -> Option<ExecutionResult> {
        let bytes = self
            .storage
            .read(&format!("results/{job_id}/result.json"))
            .await
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Writes how a job ended into `record`, whatever the backend.
    fn end_record(
        &self,
        record: &mut JobRecord,
        status: JobStatus,
        error: Option<String>,
        result: Option<ExecutionResult>,
    ) {
        let (status, error) = match self.cancellation(&record.job_id) {
            Some(why) if status != JobStatus::Succeeded => (JobStatus::Cancelled, Some(why)),
            _ => (status, error),
        };
        if let Ok(mut table) = self.table.lock() {
            table.cancelled.remove(&record.job_id);
        }
        if let Some(metrics) = self.metrics.get() {
            metrics.heavy_job_finished(match status {
                JobStatus::Succeeded => "succeeded",
                JobStatus::Cancelled => "cancelled",
                _ => "failed",
            });
        }
        let location = result
            .is_some()
            .then(|| self.storage.location(&format!("results/{}", record.job_id)));
        record.finished_at = Some(now_rfc3339());
        record.status = status;
        record.error = error;
        record.result_location = location;
        record.result = result;
        tracing::info!(status = ?record.status, location = ?record.result_location, "job finished");
    }
}

/// Most bytes of a runner's log one [`JobService::logs_since`] reads.
pub const RELAY_READ: u64 = 1 << 20;

/// The program output a runner relayed to its log after byte `offset`: whole lines only, at
/// most [`RELAY_READ`] bytes; the offset after the last whole line read.
fn read_relayed(path: &Path, offset: u64) -> (String, String, u64) {
    use std::io::{Read as _, Seek as _};
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let Ok(mut file) = std::fs::File::open(path) else {
        return (stdout, stderr, offset);
    };
    if file.seek(std::io::SeekFrom::Start(offset)).is_err() {
        return (stdout, stderr, offset);
    }
    let mut bytes = Vec::new();
    if file.take(RELAY_READ).read_to_end(&mut bytes).is_err() {
        return (stdout, stderr, offset);
    }
    let Some(end) = bytes.iter().rposition(|b| *b == b'\n') else {
        return (stdout, stderr, offset);
    };
    for line in bytes[..end].split(|b| *b == b'\n') {
        if let Ok(piece) = serde_json::from_slice::<runner::OutputLine>(line) {
            match piece.pyexec_output.as_str() {
                "stdout" => stdout.push_str(&piece.text),
                "stderr" => stderr.push_str(&piece.text),
                _ => {}
            }
        }
    }
    (stdout, stderr, offset + end as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::sink_env;
    use crate::config::{EventKind, EventsSettings};

    #[test]
    fn a_runner_gets_the_event_hubs_namespace_of_a_workload_identity_sink() {
        let mut events = EventsSettings::default();
        events.sink.kind = EventKind::EventHubs;
        events.sink.namespace = Some("ns.servicebus.windows.net".to_owned());
        events.sink.address = "hub".to_owned();
        let env = sink_env(&events);
        assert!(
            env.contains(&(
                "PYEXEC_EVENTS__SINK__NAMESPACE".to_owned(),
                "ns.servicebus.windows.net".to_owned()
            )),
            "{env:?}"
        );
        assert!(env
            .iter()
            .all(|(k, _)| !k.contains("CONNECTION_STRING") && !k.contains("PASSWORD")));
    }
}
