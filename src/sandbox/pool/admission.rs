//! Admission: who gets a slot's permit now, who waits in the bounded queue, for how long, and
//! what a refused caller is told. Every queue place is held by a guard, so a caller that goes
//! away while it waits (a client that disconnects, a timeout around it) gives its place back.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::models::ExecutionError;

/// Where the pool is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Open,
    /// Shutting down: nothing new is admitted, queued callers are answered at once, running
    /// executions may finish.
    Draining,
    /// The grace period is over: running executions are killed and answered as such.
    Killing,
}

pub(super) struct Admission {
    pub(super) permits: Arc<Semaphore>,
    queued: AtomicUsize,
    max_queue: usize,
    queue_timeout: Duration,
    slots: usize,
    /// Moving average of how long a slot is held per execution, in microseconds: the basis
    /// of `Retry-After`.
    average_hold_us: AtomicU64,
    pub(super) phase: watch::Sender<Phase>,
}

/// A place in the queue; given back on drop.
struct QueuePlace<'a>(&'a AtomicUsize);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    pub(super) fn new(
        permits: Arc<Semaphore>,
        slots: usize,
        max_queue: usize,
        queue_timeout: Duration,
    ) -> Self {
        Self {
            permits,
            queued: AtomicUsize::new(0),
            max_queue,
            queue_timeout,
            slots: slots.max(1),
            average_hold_us: AtomicU64::new(50_000),
            phase: watch::channel(Phase::Open).0,
        }
    }

    pub(super) fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    pub(super) fn max_queue(&self) -> usize {
        self.max_queue
    }

    pub(super) fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// A permit for one slot: at once if one is free, else after a wait in the queue of at
    /// most `queue_timeout`. `rearming` slots are about to be free (their next child is being
    /// prepared, a millisecond or two), so that many callers more may wait without counting
    /// as a full queue.
    pub(super) async fn admit(
        &self,
        rearming: usize,
    ) -> Result<OwnedSemaphorePermit, ExecutionError> {
        if self.phase() != Phase::Open {
            return Err(ExecutionError::ShuttingDown);
        }
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return Ok(permit);
        }
        if self.queued.fetch_add(1, Ordering::SeqCst) >= self.max_queue + rearming {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(ExecutionError::Busy {
                slots: self.slots,
                retry_after_secs: self.retry_after(),
            });
        }
        let _place = QueuePlace(&self.queued);
        self.wait(self.queue_timeout).await
    }

    /// Waits up to `within` for a permit, outside the queue bound (a retry of a request that
    /// was already admitted).
    pub(super) async fn wait(
        &self,
        within: Duration,
    ) -> Result<OwnedSemaphorePermit, ExecutionError> {
        let mut phase = self.phase.subscribe();
        tokio::select! {
            permit = Arc::clone(&self.permits).acquire_owned() => {
                permit.map_err(|_| ExecutionError::ShuttingDown)
            }
            () = tokio::time::sleep(within) => Err(ExecutionError::QueueTimeout {
                waited_secs: within.as_secs_f64(),
                retry_after_secs: self.retry_after(),
            }),
            () = async { let _ = phase.wait_for(|p| *p != Phase::Open).await; } => {
                Err(ExecutionError::ShuttingDown)
            }
        }
    }

    /// Records how long an execution held its slot.
    pub(super) fn record_hold(&self, held: Duration) {
        let sample = u64::try_from(held.as_micros()).unwrap_or(u64::MAX);
        let old = self.average_hold_us.load(Ordering::Relaxed);
        // An exponential moving average over about the last eight executions.
        let new = old - old / 8 + sample / 8;
        self.average_hold_us.store(new, Ordering::Relaxed);
    }

    /// Seconds until a refused caller may expect room: the queue ahead of it, served by every
    /// slot at the recent pace; between 1 and 60.
    pub(super) fn retry_after(&self) -> u64 {
        let hold = self.average_hold_us.load(Ordering::Relaxed) as f64 / 1e6;
        let rounds = (self.queued() as f64 + 1.0) / self.slots as f64;
        (hold * rounds).ceil().clamp(1.0, 60.0) as u64
    }
}
