//! Start-up of the local backend: the jobs a previous instance left in the state folder are
//! taken over, so that none stays `running` or `pending` forever.
//!
//! - `running`, and its runner (that pid, with that start time, a `job-run`) still runs:
//!   followed until it ends, then finished from its result as usual;
//! - `running`, and its runner is gone: finished now, from the `result.json` it wrote if it
//!   wrote one, else failed;
//! - `pending`: queued, oldest first, after the followed runners took their permits.
//!
//! Finished jobs stay on disk and are read from there when asked for.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::local::{job_span, Ended, LocalJob};
use super::JobService;
use crate::models::JobStatus;

impl JobService {
    pub(super) async fn resume(self: &Arc<Self>) {
        let Some(state) = &self.state else {
            return;
        };
        let (mut followed, mut finished, mut queued) = (0usize, 0usize, 0usize);
        let mut pending = Vec::new();
        for stored in state.list() {
            match stored.record.status {
                JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled => {}
                JobStatus::Pending => pending.push(stored),
                JobStatus::Running => {
                    let (tx, _) = watch::channel(stored.record.clone());
                    let alive = stored.runner.filter(|r| r.process.is_runner());
                    let job = LocalJob { tx, stored };
                    match alive {
                        Some(runner) => {
                            self.insert(&job);
                            // Followed runners count against `jobs.max_running`; more of them
                            // than permits (a lowered setting) are followed all the same.
                            let permit = Arc::clone(&self.running).try_acquire_owned().ok();
                            self.spawn_adopted(job, runner, permit);
                            followed += 1;
                        }
                        None => {
                            self.record(&job.tx);
                            let span = job_span(&job);
                            let gone = Ended::Gone(
                                "the runner died while the executor was down and wrote no result",
                            );
                            tracing::Instrument::instrument(self.end_local(job, gone), span).await;
                            finished += 1;
                        }
                    }
                }
            }
        }
        for stored in pending {
            let (tx, _) = watch::channel(stored.record.clone());
            let job = LocalJob { tx, stored };
            self.insert(&job);
            self.spawn_local(job);
            queued += 1;
        }
        if followed + finished + queued > 0 {
            tracing::info!(
                followed,
                finished,
                queued,
                "took over the jobs of the previous instance"
            );
        }
    }

    /// After [`JobService::resume`]: Kubernetes Jobs still in the cluster are followed
    /// again (found by label), and the run history's jobs that nothing follows any more
    /// (their runner's state or their Job gone) are marked failed with the reason, so that
    /// none stays `pending` or `running` forever. Kubernetes jobs received in the last
    /// `jobs.reconcile_grace_secs` are left alone: another replica may be creating them.
    pub(super) async fn reconcile(self: &Arc<Self>) {
        if let Some(client) = self.kube.clone() {
            match super::kubernetes::list(&client, &self.settings.jobs.namespace).await {
                Ok(jobs) => {
                    let mut followed = 0usize;
                    for job in jobs {
                        if self.adopt_kubernetes(job).await {
                            followed += 1;
                        }
                    }
                    if followed > 0 {
                        tracing::info!(followed, "following the Kubernetes Jobs already running");
                    }
                }
                Err(err) => {
                    // Without the list, nothing can be told gone: mark nothing.
                    tracing::error!(error = %super::chain(&err), "cannot list the Kubernetes Jobs; the history's unfinished jobs are left as they are");
                    return;
                }
            }
        }
        let Some(history) = &self.history else {
            return;
        };
        // One local executor per state folder: nothing else creates its jobs.
        let grace = if self.kube.is_some() {
            Duration::from_secs(self.settings.jobs.reconcile_grace_secs)
        } else {
            Duration::ZERO
        };
        let before =
            crate::history::now_ms() - i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
        let unfinished = match history.unfinished_jobs(before).await {
            Ok(rows) => rows,
            Err(err) => {
                tracing::error!(error = %super::chain(&err), "cannot read the history's unfinished jobs");
                return;
            }
        };
        let mut ended = 0usize;
        for mut row in unfinished {
            let Some(job_id) = row.job_id.clone() else {
                continue;
            };
            if self.get_followed(&job_id).is_some() {
                continue;
            }
            // A local job's state folder may still say how it ended.
            if let Some(stored) = self.state.as_ref().and_then(|s| s.read(&job_id)) {
                if stored.record.status.is_done() {
                    let mut done = crate::history::Row::from_job(&stored.record);
                    done.code_sha256 = row.code_sha256.clone();
                    if let Err(err) = history.end_job(&done).await {
                        tracing::warn!(%job_id, error = %super::chain(&err), "cannot record the job's end");
                    }
                    self.announce_end(&stored.record).await;
                    ended += 1;
                    continue;
                }
            }
            row.status = crate::models::RunStatus::Failed;
            row.finished_at = Some(crate::history::now_ms());
            row.error = Some(match self.kube {
                Some(_) => "the Kubernetes Job is gone from the cluster and left no result (deleted, or removed after its TTL while no executor followed it)".to_owned(),
                None => "the job's runner and state were lost while no executor followed it (another state folder, or the folder removed)".to_owned(),
            });
            tracing::warn!(%job_id, error = row.error.as_deref().unwrap_or_default(), "marking a job nobody follows failed");
            if let Err(err) = history.end_job(&row).await {
                tracing::warn!(%job_id, error = %super::chain(&err), "cannot record the job's end");
            }
            if let Some(record) = row.to_job() {
                self.announce_end(&record).await;
            }
            ended += 1;
        }
        if ended > 0 {
            tracing::info!(ended, "settled the history's jobs that nothing follows");
        }
    }

    /// Follows a Kubernetes Job this instance does not: whether it started following it.
    async fn adopt_kubernetes(self: &Arc<Self>, job: k8s_openapi::api::batch::v1::Job) -> bool {
        let Some(job_id) = job.metadata.name.clone() else {
            return false;
        };
        if self.get_followed(&job_id).is_some() {
            return false;
        }
        let annotations = job.metadata.annotations.clone().unwrap_or_default();
        let Some(request_id) = annotations.get("pyexec.dev/request-id").cloned() else {
            return false;
        };
        let recorded = match &self.history {
            Some(history) => history.get(&job_id).await.ok().flatten(),
            None => None,
        };
        let owner = recorded
            .as_ref()
            .map(|r| r.owner.clone())
            .or_else(|| annotations.get("pyexec.dev/owner").cloned());
        let created_at = recorded
            .as_ref()
            .and_then(|r| r.to_job())
            .map(|r| r.created_at)
            .or_else(|| {
                job.metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.to_string())
            })
            .unwrap_or_else(super::now_rfc3339);
        let record = crate::models::JobRecord {
            job_id: job_id.clone(),
            request_id,
            owner,
            status: super::kubernetes::status_of(&job),
            created_at,
            finished_at: None,
            result_location: None,
            result: None,
            error: None,
        };
        let (tx, _) = watch::channel(record);
        if let Ok(mut table) = self.table.lock() {
            table.jobs.insert(job_id, tx.clone());
        }
        self.record(&tx);
        // The trace the Job was created in, which its runner continues.
        let traceparent = job
            .spec
            .as_ref()
            .and_then(|spec| spec.template.spec.as_ref())
            .and_then(|pod| pod.containers.first())
            .and_then(|container| container.env.as_ref())
            .and_then(|env| env.iter().find(|v| v.name == "TRACEPARENT"))
            .and_then(|v| v.value.clone());
        self.spawn_kubernetes_follow(tx, traceparent);
        true
    }

    fn insert(&self, job: &LocalJob) {
        if let Ok(mut table) = self.table.lock() {
            table
                .jobs
                .insert(job.stored.record.job_id.clone(), job.tx.clone());
        }
        self.record(&job.tx);
    }
}
