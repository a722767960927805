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
                JobStatus::Succeeded | JobStatus::Failed => {}
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

    fn insert(&self, job: &LocalJob) {
        if let Ok(mut table) = self.table.lock() {
            table
                .jobs
                .insert(job.stored.record.job_id.clone(), job.tx.clone());
        }
    }
}
