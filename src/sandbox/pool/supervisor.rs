//! The supervisor: keeps every slot alive. It starts any slot that is dead (its process
//! exited, it was killed, a lease was abandoned) as soon as it is told or finds one, holding
//! that slot's permit while it does, so requests never see a slot half-replaced.

use std::sync::Weak;
use std::time::{Duration, Instant};

use super::{Inner, Phase, Pool};

/// How often the supervisor looks without being told (slots killed from outside).
const SWEEP: Duration = Duration::from_millis(500);
/// After a slot failed to start, the next try waits this long (no hot loop on a host that
/// cannot start slots).
const AFTER_FAILURE: Duration = Duration::from_secs(1);

pub(super) async fn supervise(pool: Weak<Inner>) {
    let mut failed_at: Option<Instant> = None;
    loop {
        let Some(inner) = pool.upgrade() else { return };
        let table = std::sync::Arc::clone(&inner.table);
        drop(inner);
        tokio::select! {
            () = table.refill.notified() => {}
            () = tokio::time::sleep(SWEEP) => {}
        }
        if let Some(at) = failed_at {
            let wait = AFTER_FAILURE.saturating_sub(at.elapsed());
            tokio::time::sleep(wait).await;
        }
        let Some(inner) = pool.upgrade() else { return };
        if inner.admission.phase() != Phase::Open {
            return;
        }
        let pool = Pool { inner };
        failed_at = if pool.refill().await {
            None
        } else {
            Some(Instant::now())
        };
    }
}

impl Pool {
    /// Starts every dead slot whose permit is free. False if one failed to start.
    async fn refill(&self) -> bool {
        let table = &self.inner.table;
        let mut healthy = true;
        for index in 0..table.size() {
            let Ok(permit) = std::sync::Arc::clone(&table.permits).try_acquire_owned() else {
                // Every free slot is in use: nothing to refill that a request could take.
                break;
            };
            let Ok(mut lease) = table.take_broken(index, permit) else {
                continue;
            };
            let defaults = self.default_slot_limits();
            match self.start_slot(index).await {
                Ok(slot) => {
                    // The old process, if any, is killed as it is replaced.
                    lease.install(slot);
                    let prepared = match lease.slot_mut() {
                        Some(slot) => slot.prepare(&defaults).await,
                        None => Ok(()),
                    };
                    match prepared {
                        Ok(()) => {
                            tracing::info!(slot = index, "sandbox slot replaced");
                            self.count_replacement();
                            lease.ready();
                        }
                        Err(err) => {
                            tracing::error!(slot = index, error = %crate::telemetry::error_chain(&err), "replacement slot failed to prepare");
                            healthy = false;
                        }
                    }
                }
                Err(err) => {
                    tracing::error!(slot = index, error = %crate::telemetry::error_chain(&err), "replacement slot failed to start");
                    healthy = false;
                }
            }
        }
        healthy
    }
}
