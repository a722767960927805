//! A heavy job on the local backend: `pyexec job-run` started detached from the executor
//! (its own process group, not killed when the executor stops), with the program in the
//! job's `code.py` (`CODE_FILE`) and its standard error in the job's `runner.log`. A runner
//! this instance started is awaited as its child; one a previous instance started (adopted
//! at start-up) is not our child and is followed through `/proc` instead.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt as _;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{watch, OwnedSemaphorePermit};

use super::process::ProcessId;
use super::state::{RunnerProcess, StoredJob};
use super::JobService;
use crate::models::{JobRecord, JobStatus};

/// Why a runner could not be started; the job record's `error` gets its whole chain.
#[derive(Debug, thiserror::Error)]
pub(super) enum StartError {
    #[error("no job state folder")]
    NoStateDir,
    #[error("cannot open the runner log {}", .path.display())]
    Log {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode the job's limits")]
    Limits(#[source] serde_json::Error),
    #[error("starting the runner")]
    Spawn(#[source] std::io::Error),
    #[error("the runner vanished as it started")]
    Vanished,
}

/// How often an adopted runner is checked.
const POLL: Duration = Duration::from_millis(200);

/// Room past a job's timeout for the runner to start and write its results before the
/// backstop kills it (the runner enforces the timeout itself).
const BACKSTOP_MARGIN: Duration = Duration::from_secs(120);

/// A local job: its channel and what is kept of it on disk.
pub(super) struct LocalJob {
    pub tx: watch::Sender<JobRecord>,
    pub stored: StoredJob,
}

/// How a runner ended, as far as this instance can tell.
pub(super) enum Ended {
    /// Our child, with its exit status.
    Exited(ExitStatus),
    /// Not our child: it is gone, its exit status unknown. The reason to give when it wrote
    /// no result.
    Gone(&'static str),
    /// It could not be started or waited for, or it hung and was killed.
    Error(String),
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl JobService {
    /// Queues a local job: it starts when a `jobs.max_running` permit is free.
    pub(super) fn spawn_local(self: &Arc<Self>, job: LocalJob) {
        let span = job_span(&job);
        let service = Arc::clone(self);
        tokio::spawn(tracing::Instrument::instrument(
            service.run_local(job),
            span,
        ));
    }

    /// Follows a runner a previous instance started.
    pub(super) fn spawn_adopted(
        self: &Arc<Self>,
        job: LocalJob,
        runner: RunnerProcess,
        permit: Option<OwnedSemaphorePermit>,
    ) {
        let span = job_span(&job);
        let service = Arc::clone(self);
        tokio::spawn(tracing::Instrument::instrument(
            async move {
                tracing::info!(
                    pid = runner.process.pid,
                    "following the runner a previous instance started"
                );
                let backstop = service.backstop(&job.stored);
                let deadline = UNIX_EPOCH + Duration::from_millis(runner.started_at_ms) + backstop;
                let ended = follow_adopted(runner.process, deadline, backstop).await;
                service.end_local(job, ended).await;
                drop(permit);
            },
            span,
        ));
    }

    async fn run_local(self: Arc<Self>, mut job: LocalJob) {
        let Ok(permit) = Arc::clone(&self.running).acquire_owned().await else {
            tracing::info!("the executor is stopping: the job stays pending for the next instance");
            return;
        };
        {
            let Ok(table) = self.table.lock() else {
                return;
            };
            if job.tx.borrow().status.is_done() {
                // Cancelled while it waited.
                return;
            }
            if table.stopping {
                tracing::info!(
                    "the executor is stopping: the job stays pending for the next instance"
                );
                return;
            }
            // Under the table's lock, so that `shutdown` sees it running and waits for it.
            job.tx.send_modify(|r| r.status = JobStatus::Running);
        }
        let ended = match self.start_runner(&job.stored) {
            Ok((mut child, runner)) => {
                job.stored.record.status = JobStatus::Running;
                job.stored.runner = Some(runner);
                self.keep(&job.stored);
                tracing::info!(pid = runner.process.pid, "job running (local backend)");
                // Cancelled while it started (`cancel` found no runner yet): stop it now.
                if self.cancellation(&job.stored.record.job_id).is_some() {
                    kill_group(runner.process, "cancelled");
                }
                let backstop = self.backstop(&job.stored);
                match tokio::time::timeout(backstop, child.wait()).await {
                    Ok(Ok(status)) => Ended::Exited(status),
                    Ok(Err(err)) => Ended::Error(format!("waiting for the runner: {err}")),
                    Err(_) => {
                        kill_group(runner.process, "it outlived its job's backstop");
                        let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
                        Ended::Error(format!(
                            "the runner did not finish within {backstop:?} and was killed"
                        ))
                    }
                }
            }
            Err(err) => Ended::Error(crate::telemetry::error_chain(&err)),
        };
        self.end_local(job, ended).await;
        drop(permit);
    }

    /// The job's timeout plus the margin: past this a runner is taken to hang.
    fn backstop(&self, stored: &StoredJob) -> Duration {
        Duration::try_from_secs_f64(stored.timeout_secs).unwrap_or(Duration::ZERO) + BACKSTOP_MARGIN
    }

    /// Starts `pyexec job-run` for the job, in a process group of its own.
    fn start_runner(
        &self,
        stored: &StoredJob,
    ) -> Result<(tokio::process::Child, RunnerProcess), StartError> {
        let state = self.state.as_ref().ok_or(StartError::NoStateDir)?;
        let record = &stored.record;
        let log_path = state.log_file(&record.job_id);
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&log_path)
            .map_err(|source| StartError::Log {
                path: log_path.clone(),
                source,
            })?;
        let mut command = tokio::process::Command::new(&self.program);
        if let Some(dir) = &self.sources.roles_dir {
            command.arg("--roles-dir").arg(dir);
        }
        if let Some(file) = &self.sources.config_file {
            command.arg("--config").arg(file);
        }
        command
            .arg("job-run")
            .env_remove("CODE")
            .env("CODE_FILE", state.code_file(&record.job_id))
            .env("REQUEST_ID", &record.request_id)
            .env("RESULT_KEY", &record.job_id)
            .env("RELAY_OUTPUT", "1")
            .env("TIMEOUT", stored.timeout_secs.to_string())
            .env("PYEXEC_STORAGE__ROOT", &self.settings.storage.root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            // Its own process group: a signal to the executor's group (Ctrl-C, a process
            // manager stopping the executor) does not reach it, and the backstop can kill
            // the runner and everything it started at once.
            .process_group(0);
        if let Some(owner) = &record.owner {
            command.env("OWNER", owner);
        }
        // The runner announces its job's end to the same sink (`events.local` resolved).
        for (key, value) in super::sink_env(&self.settings.events) {
            command.env(key, value);
        }
        let sink = self.settings.events.resolved().sink;
        if sink.kind != crate::config::EventKind::None {
            if let Some(password) = &sink.password {
                command.env("PYEXEC_EVENTS__SINK__PASSWORD", password.expose());
            }
            if let Some(connection_string) = &sink.connection_string {
                command.env(
                    "PYEXEC_EVENTS__SINK__CONNECTION_STRING",
                    connection_string.expose(),
                );
            }
        }
        if let Some(limits) = &stored.limits {
            let json = serde_json::to_string(limits).map_err(StartError::Limits)?;
            command.env("LIMITS", json);
        }
        command.env_remove("INPUTS");
        if let Some(inputs) = super::inputs::to_env(&stored.inputs) {
            command.env("INPUTS", inputs);
        }
        // The runner continues the job's trace (this runs in the job's span), and never
        // one the executor itself was started in.
        command.env_remove("TRACEPARENT").env_remove("TRACESTATE");
        if let Some(traceparent) = crate::telemetry::current_traceparent() {
            command.env("TRACEPARENT", traceparent);
        }
        if let Some(tracestate) = crate::telemetry::current_tracestate() {
            command.env("TRACESTATE", tracestate);
        }
        let child = command.spawn().map_err(StartError::Spawn)?;
        // Our child: its /proc entry stays until it is waited for, even if it already exited.
        let process = child
            .id()
            .and_then(ProcessId::of)
            .ok_or(StartError::Vanished)?;
        Ok((
            child,
            RunnerProcess {
                process,
                started_at_ms: now_ms(),
            },
        ))
    }

    /// Records how a local job ended (from the result its runner wrote when there is one)
    /// and removes its program; when the runner left no result, also what it left behind.
    pub(super) async fn end_local(&self, mut job: LocalJob, ended: Ended) {
        let record = &job.stored.record;
        let result = self.read_result(&record.job_id).await;
        let log_line = || {
            self.state
                .as_ref()
                .and_then(|s| s.last_log_line(&record.job_id))
                .map(|line| format!(" (its log ends: {line})"))
                .unwrap_or_default()
        };
        let (status, error) = match (&ended, &result) {
            (Ended::Exited(status), _) if status.success() => (JobStatus::Succeeded, None),
            (Ended::Exited(_), Some(_)) => (JobStatus::Failed, None),
            (Ended::Exited(status), None) => (
                JobStatus::Failed,
                Some(format!(
                    "the runner ended ({status}) and wrote no result{}",
                    log_line()
                )),
            ),
            (Ended::Gone(_), Some(result)) => {
                let ok = super::runner::exit_code(result) == 0;
                let status = if ok {
                    JobStatus::Succeeded
                } else {
                    JobStatus::Failed
                };
                (status, None)
            }
            (Ended::Gone(why), None) => (JobStatus::Failed, Some(format!("{why}{}", log_line()))),
            (Ended::Error(err), _) => (JobStatus::Failed, Some(err.clone())),
        };
        let wrote_result = result.is_some();
        self.end_record(&mut job.stored.record, status, error, result);
        // Kept and cleaned up before anyone is told it is done.
        self.keep(&job.stored);
        if let Some(state) = &self.state {
            state.remove_code(&job.stored.record.job_id);
        }
        job.tx.send_replace(job.stored.record.clone());
        self.announce_end(&job.stored.record).await;
        if !wrote_result {
            // A runner that did not finish its work may have left its cgroups and work
            // folder behind.
            let cgroup_root = self.settings.executor.sandbox.cgroup_root.clone();
            let _ = tokio::task::spawn_blocking(move || {
                super::reclaim::reclaim(&cgroup_root, &std::env::temp_dir())
            })
            .await;
        }
    }

    /// Writes a job's record to the state folder; a failure is logged (the job goes on, and
    /// the record on disk stays at its previous state).
    fn keep(&self, stored: &StoredJob) {
        if let Some(state) = &self.state {
            if let Err(err) = state.write(stored) {
                tracing::error!(error = %super::chain(&err), "cannot keep the job's record");
            }
        }
    }
}

/// The job's span (`telemetry::job_span`): a child of the request that created the job,
/// whose trace the runner continues (`TRACEPARENT`).
pub(super) fn job_span(job: &LocalJob) -> tracing::Span {
    let record = &job.stored.record;
    crate::telemetry::job_span(
        &record.request_id,
        &record.job_id,
        job.stored.traceparent.as_deref(),
    )
}

/// Waits for a runner that is not our child to go, polling `/proc`; kills it (and its
/// process group) at `deadline`.
async fn follow_adopted(runner: ProcessId, deadline: SystemTime, backstop: Duration) -> Ended {
    loop {
        if !runner.is_alive() {
            return Ended::Gone("the runner ended without writing a result");
        }
        if SystemTime::now() >= deadline {
            kill_group(runner, "it outlived its job's backstop");
            while runner.is_alive() && SystemTime::now() < deadline + Duration::from_secs(10) {
                tokio::time::sleep(POLL).await;
            }
            return Ended::Error(format!(
                "the runner did not finish within {backstop:?} and was killed"
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// SIGKILL to the runner's process group (it leads one), or to the runner alone when it
/// does not lead a group; nothing when the pid is no longer the runner's.
pub(super) fn kill_group(runner: ProcessId, why: &str) {
    use nix::sys::signal::{kill, killpg, Signal};
    let Some(pid) = runner.nix_pid() else {
        return;
    };
    if !runner.is_alive() {
        return;
    }
    tracing::warn!(pid = runner.pid, why, "killing a job's runner");
    if killpg(pid, Signal::SIGKILL).is_err() {
        let _ = kill(pid, Signal::SIGKILL);
    }
}
