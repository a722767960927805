//! Graceful shutdown on SIGTERM or SIGINT.

use std::sync::Arc;
use std::time::Duration;

use crate::sandbox::Pool;

/// On SIGTERM or SIGINT: the returned flag turns true (servers stop accepting, close idle
/// connections and close the rest `grace` later) and the pool stops admitting work (queued
/// requests are answered 503 `shutdown`). Running executions get `grace` less a margin to
/// finish, so that their answers, real or 503 `shutdown`, are written before the servers
/// close their connections; then every slot is killed. Local heavy jobs get the same period.
/// The task ends when all that is done.
pub(super) fn stop_on_signal(
    pool: Option<Pool>,
    jobs: Option<Arc<crate::jobs::JobService>>,
    grace: Duration,
) -> (
    tokio::sync::watch::Receiver<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!(
            grace_secs = grace.as_secs_f64(),
            "shutting down: no new requests; in-flight work gets the grace period"
        );
        if let Some(pool) = &pool {
            pool.begin_shutdown();
        }
        let _ = stop_tx.send(true);
        let margin = (grace / 4).min(Duration::from_secs(1));
        let executions = async {
            if let Some(pool) = pool {
                pool.shutdown(grace.saturating_sub(margin)).await;
            }
        };
        // Local heavy jobs get the same grace period; those still running are left to their
        // runners and taken over by the next instance (their records are on disk).
        let heavy_jobs = async {
            if let Some(jobs) = jobs {
                jobs.shutdown(grace.saturating_sub(margin)).await;
            }
        };
        tokio::join!(executions, heavy_jobs);
    });
    (stop_rx, task)
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}
