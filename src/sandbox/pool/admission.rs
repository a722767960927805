//! Admission: who gets a slot's permit now, who waits in the bounded queue, for how long, and
//! what a refused caller is told. Every queue place is held by a guard, so a caller that goes
//! away while it waits (a client that disconnects, a timeout around it) gives its place back.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch, Notify, OwnedSemaphorePermit, Semaphore};

use crate::metrics::{LoadReason, Metrics};
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
    /// Who waits and who holds what: permits go round-robin between callers.
    fair: Arc<Fair>,
    /// Queue waits and refusals are counted here once set (after the pool's self-test).
    pub(super) metrics: OnceLock<Arc<Metrics>>,
}

/// A place in the queue; given back on drop.
struct QueuePlace<'a>(&'a AtomicUsize);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Who asks for a slot, and the limits that caller has.
#[derive(Debug, Clone)]
pub struct Admittee {
    /// The caller's identity (`anonymous` on a service without credentials).
    pub caller: String,
    /// Most executions this caller may hold at once.
    pub max_concurrent: usize,
    /// Most requests this caller may have waiting in the queue.
    pub max_queued: usize,
}

impl Admittee {
    /// A caller without limits of its own (the pool's own self-test, a job runner).
    pub fn unlimited(caller: &str) -> Self {
        Self {
            caller: caller.to_owned(),
            max_concurrent: usize::MAX,
            max_queued: usize::MAX,
        }
    }
}

/// A permit for one slot, and the caller's hold on its share until it is dropped.
pub(super) struct Admitted {
    pub(super) permit: OwnedSemaphorePermit,
    pub(super) hold: Hold,
}

/// One execution counted against its caller's `max_concurrent`; released on drop, which
/// wakes the dispatcher (the caller may now be served again).
pub(super) struct Hold {
    fair: Arc<Fair>,
    caller: String,
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.fair.release(&self.caller);
    }
}

/// The receiving end of a waiting request. Dropped without its permit taken (a timeout,
/// shutdown, the caller's future dropped), it closes the channel; a permit the dispatcher
/// sent meanwhile goes back to the semaphore and its hold is released, so no capacity and
/// no share is ever lost.
struct Pending {
    rx: oneshot::Receiver<OwnedSemaphorePermit>,
    fair: Arc<Fair>,
    caller: String,
    /// The permit was received and its hold handed on.
    done: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.rx.close();
        if let Ok(permit) = self.rx.try_recv() {
            drop(permit);
            self.fair.release(&self.caller);
        }
    }
}

/// A waiting request: the dispatcher sends it a permit.
struct Waiter {
    tx: oneshot::Sender<OwnedSemaphorePermit>,
}

#[derive(Default)]
struct CallerState {
    holding: usize,
    max_concurrent: usize,
    waiting: VecDeque<Waiter>,
}

#[derive(Default)]
struct FairState {
    callers: HashMap<String, CallerState>,
    /// Callers with waiting requests, in the order they are served next.
    ring: VecDeque<String>,
}

/// Fair queuing between callers: each caller has its own FIFO queue; a freed permit goes to
/// the next caller in round-robin order that holds fewer than its `max_concurrent`. One
/// caller's flood waits in its own queue and costs it its own share, not anyone else's.
struct Fair {
    state: Mutex<FairState>,
    /// Wakes the dispatcher: a request started waiting, or a caller released a hold.
    wake: Notify,
}

impl Fair {
    fn lock(&self) -> std::sync::MutexGuard<'_, FairState> {
        // The state is consistent after every statement: a panic elsewhere cannot leave it
        // half-updated, so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn release(&self, caller: &str) {
        {
            let mut state = self.lock();
            if let Some(entry) = state.callers.get_mut(caller) {
                entry.holding = entry.holding.saturating_sub(1);
                if entry.holding == 0 && entry.waiting.is_empty() {
                    state.callers.remove(caller);
                }
            }
        }
        self.wake.notify_one();
    }

    fn hold(self: &Arc<Self>, caller: &str) -> Hold {
        Hold {
            fair: Arc::clone(self),
            caller: caller.to_owned(),
        }
    }

    /// Whether a caller with waiting requests may be served now.
    fn any_servable(state: &FairState) -> bool {
        state.ring.iter().any(|caller| {
            state.callers.get(caller).is_some_and(|c| {
                c.holding < c.max_concurrent && c.waiting.iter().any(|w| !w.tx.is_closed())
            })
        })
    }

    /// Hands `permit` to the next servable caller's oldest live waiter, round-robin; gives
    /// the permit back when nobody can take it.
    fn dispatch(
        self: &Arc<Self>,
        mut permit: OwnedSemaphorePermit,
    ) -> Option<OwnedSemaphorePermit> {
        let mut state = self.lock();
        let mut turns = state.ring.len();
        while turns > 0 {
            turns -= 1;
            let Some(caller) = state.ring.pop_front() else {
                break;
            };
            let Some(entry) = state.callers.get_mut(&caller) else {
                continue;
            };
            entry.waiting.retain(|w| !w.tx.is_closed());
            if entry.waiting.is_empty() {
                if entry.holding == 0 {
                    state.callers.remove(&caller);
                }
                continue;
            }
            if entry.holding >= entry.max_concurrent {
                // At its share: it keeps its place in the ring and waits for a release.
                state.ring.push_back(caller);
                continue;
            }
            while let Some(waiter) = entry.waiting.pop_front() {
                // The hold is counted before the permit is sent, so a waiter that receives
                // it always finds its caller's count already raised.
                entry.holding += 1;
                match waiter.tx.send(permit) {
                    Ok(()) => {
                        if !entry.waiting.is_empty() {
                            state.ring.push_back(caller);
                        } else if entry.holding == 0 {
                            state.callers.remove(&caller);
                        }
                        return None;
                    }
                    Err(back) => {
                        entry.holding -= 1;
                        permit = back;
                    }
                }
            }
            if entry.holding == 0 {
                state.callers.remove(&caller);
            }
        }
        Some(permit)
    }
}

/// Gives permits to waiting callers in fair order. Ends when the pool shuts down or the
/// admission is dropped (its phase sender goes away).
async fn dispatcher(fair: Arc<Fair>, permits: Arc<Semaphore>, mut phase: watch::Receiver<Phase>) {
    loop {
        let woken = fair.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if !Fair::any_servable(&fair.lock()) {
            tokio::select! {
                () = woken => continue,
                changed = phase.changed() => {
                    if changed.is_err() || *phase.borrow() != Phase::Open {
                        return;
                    }
                    continue;
                }
            }
        }
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow() != Phase::Open {
                    return;
                }
                continue;
            }
        };
        if let Some(unused) = fair.dispatch(permit) {
            // Nobody could take it (they left, or every waiting caller is at its share):
            // back to the semaphore until the next release or arrival.
            drop(unused);
            tokio::select! {
                () = woken => {}
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }
}

impl Admission {
    pub(super) fn new(
        permits: Arc<Semaphore>,
        slots: usize,
        max_queue: usize,
        queue_timeout: Duration,
    ) -> Self {
        let phase = watch::channel(Phase::Open).0;
        let fair = Arc::new(Fair {
            state: Mutex::new(FairState::default()),
            wake: Notify::new(),
        });
        tokio::spawn(dispatcher(
            Arc::clone(&fair),
            Arc::clone(&permits),
            phase.subscribe(),
        ));
        Self {
            permits,
            queued: AtomicUsize::new(0),
            max_queue,
            queue_timeout,
            slots: slots.max(1),
            average_hold_us: AtomicU64::new(50_000),
            phase,
            fair,
            metrics: OnceLock::new(),
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

    /// A permit for one slot for `who`: at once if one is free, nobody waits and `who` is
    /// under its share; else after a wait in `who`'s own queue of at most `queue_timeout`,
    /// served round-robin between callers. `rearming` slots are about to be free (their next
    /// child is being prepared, a millisecond or two), so that many callers more may wait
    /// without counting as a full queue.
    pub(super) async fn admit(
        &self,
        who: &Admittee,
        rearming: usize,
    ) -> Result<Admitted, ExecutionError> {
        let asked = Instant::now();
        let admitted = self.admit_now_or_queued(who, rearming).await;
        if let Some(metrics) = self.metrics.get() {
            match &admitted {
                Ok(_) => metrics.queue_wait(asked.elapsed()),
                Err(ExecutionError::Busy { .. }) => metrics.refused_for_load(LoadReason::Busy),
                Err(ExecutionError::QueueTimeout { .. }) => {
                    metrics.refused_for_load(LoadReason::QueueTimeout);
                }
                Err(ExecutionError::CallerLimit { .. }) => {
                    metrics.refused_for_load(LoadReason::CallerLimit);
                }
                Err(_) => {}
            }
        }
        admitted
    }

    async fn admit_now_or_queued(
        &self,
        who: &Admittee,
        rearming: usize,
    ) -> Result<Admitted, ExecutionError> {
        if self.phase() != Phase::Open {
            return Err(ExecutionError::ShuttingDown);
        }
        let rx = {
            let mut state = self.fair.lock();
            let nobody_waits = !Fair::any_servable(&state);
            let entry = state.callers.entry(who.caller.clone()).or_default();
            entry.max_concurrent = who.max_concurrent.max(1);
            if nobody_waits && entry.holding < entry.max_concurrent {
                if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
                    entry.holding += 1;
                    return Ok(Admitted {
                        permit,
                        hold: self.fair.hold(&who.caller),
                    });
                }
            }
            entry.waiting.retain(|w| !w.tx.is_closed());
            if entry.waiting.len() >= who.max_queued.max(1) {
                let waiting = entry.waiting.len();
                if entry.holding == 0 && waiting == 0 {
                    state.callers.remove(&who.caller);
                }
                return Err(ExecutionError::CallerLimit {
                    message: format!(
                        "this caller already has {waiting} requests waiting (its limit); retry when one is answered"
                    ),
                    retry_after_secs: self.retry_after(),
                });
            }
            if self.queued.fetch_add(1, Ordering::SeqCst) >= self.max_queue + rearming {
                self.queued.fetch_sub(1, Ordering::SeqCst);
                if entry.holding == 0 && entry.waiting.is_empty() {
                    state.callers.remove(&who.caller);
                }
                return Err(ExecutionError::Busy {
                    slots: self.slots,
                    retry_after_secs: self.retry_after(),
                });
            }
            let (tx, rx) = oneshot::channel();
            entry.waiting.push_back(Waiter { tx });
            if !state.ring.contains(&who.caller) {
                state.ring.push_back(who.caller.clone());
            }
            rx
        };
        let _place = QueuePlace(&self.queued);
        let mut pending = Pending {
            rx,
            fair: Arc::clone(&self.fair),
            caller: who.caller.clone(),
            done: false,
        };
        self.fair.wake.notify_one();
        let mut phase = self.phase.subscribe();
        let received = tokio::select! {
            permit = &mut pending.rx => permit.map_err(|_| ExecutionError::ShuttingDown),
            () = tokio::time::sleep(self.queue_timeout) => Err(ExecutionError::QueueTimeout {
                waited_secs: self.queue_timeout.as_secs_f64(),
                retry_after_secs: self.retry_after(),
            }),
            () = async { let _ = phase.wait_for(|p| *p != Phase::Open).await; } => {
                Err(ExecutionError::ShuttingDown)
            }
        };
        let permit = received?;
        pending.done = true;
        Ok(Admitted {
            permit,
            hold: self.fair.hold(&who.caller),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn who(caller: &str, max_concurrent: usize) -> Admittee {
        Admittee {
            caller: caller.to_owned(),
            max_concurrent,
            max_queued: 16,
        }
    }

    fn admission(slots: usize) -> Arc<Admission> {
        Arc::new(Admission::new(
            Arc::new(Semaphore::new(slots)),
            slots,
            64,
            Duration::from_secs(30),
        ))
    }

    /// Starts `admit` for `caller` on a task; its admitted permits arrive in `order`.
    fn enqueue(
        admission: &Arc<Admission>,
        caller: &'static str,
        order: &tokio::sync::mpsc::UnboundedSender<(&'static str, Admitted)>,
    ) {
        let admission = Arc::clone(admission);
        let order = order.clone();
        tokio::spawn(async move {
            let admitted = admission.admit(&who(caller, 8), 0).await.expect("admitted");
            let _ = order.send((caller, admitted));
        });
    }

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_caller_that_queued_later_is_served_before_a_flooding_callers_backlog() {
        let admission = admission(1);
        let first = admission
            .admit(&who("flood", 8), 0)
            .await
            .expect("free slot");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..3 {
            enqueue(&admission, "flood", &tx);
            settle().await;
        }
        enqueue(&admission, "polite", &tx);
        settle().await;
        assert_eq!(admission.queued(), 4);
        drop(first);
        let mut served = Vec::new();
        for _ in 0..4 {
            let (caller, admitted) = rx.recv().await.expect("served");
            served.push(caller);
            drop(admitted);
        }
        // First in first out would be flood, flood, flood, polite.
        assert_eq!(served, ["flood", "polite", "flood", "flood"]);
    }

    #[tokio::test]
    async fn a_caller_at_its_cap_waits_while_others_take_free_slots() {
        let admission = admission(3);
        let held = admission.admit(&who("capped", 1), 0).await.expect("first");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let waiting = {
            let admission = Arc::clone(&admission);
            tokio::spawn(async move { admission.admit(&who("capped", 1), 0).await.map(|_| ()) })
        };
        settle().await;
        assert!(
            !waiting.is_finished(),
            "the capped caller got a second slot"
        );
        enqueue(&admission, "other", &tx);
        let (caller, _other) = rx.recv().await.expect("other served");
        assert_eq!(caller, "other");
        drop(held);
        waiting
            .await
            .expect("task")
            .expect("served once its first execution ended");
    }

    #[tokio::test]
    async fn callers_that_give_up_lose_neither_capacity_nor_their_share() {
        let admission = admission(1);
        let held = admission.admit(&who("a", 1), 0).await.expect("first");
        for _ in 0..5 {
            let admission = Arc::clone(&admission);
            let gave_up = tokio::time::timeout(Duration::from_millis(1), async move {
                admission.admit(&who("a", 1), 0).await.map(|_| ())
            })
            .await;
            assert!(gave_up.is_err());
        }
        assert_eq!(admission.queued(), 0);
        drop(held);
        // Still one slot, and the caller's share is whole again.
        let again = tokio::time::timeout(Duration::from_secs(5), admission.admit(&who("a", 1), 0))
            .await
            .expect("not stuck")
            .expect("admitted");
        drop(again);
        assert_eq!(admission.permits.available_permits(), 1);
    }

    #[tokio::test]
    async fn a_caller_that_leaves_after_a_slot_was_handed_to_it_gives_it_back() {
        let admission = admission(1);
        let held = admission.admit(&who("a", 1), 0).await.expect("first");
        let b = who("b", 1);
        let mut waiting = Box::pin(admission.admit(&b, 0));
        assert!(futures::poll!(waiting.as_mut()).is_pending());
        drop(held);
        settle().await;
        assert_eq!(
            admission.permits.available_permits(),
            0,
            "the dispatcher handed the freed slot to the waiter"
        );
        // The client goes away before its request ever sees the slot.
        drop(waiting);
        assert_eq!(admission.permits.available_permits(), 1);
        let again = tokio::time::timeout(Duration::from_secs(5), admission.admit(&who("b", 1), 0))
            .await
            .expect("not stuck: its share came back")
            .expect("admitted");
        drop(again);
    }
}
