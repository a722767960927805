//! The slot table: which slot is ready, busy, re-arming, starting or dead, and the lease that
//! hands a slot to one user and always gives it back, whatever happens to that user.
//!
//! Ownership rules (the pool's capacity depends on them):
//! - A permit of the pool's semaphore entitles its holder to take one slot that is `Ready`
//!   or `Dead`; there are never more free permits than such slots.
//! - Whoever takes a slot gets a [`Lease`] that owns the slot process and the permit. The
//!   lease ends in exactly one of three ways: [`Lease::ready`] (the slot is back, ready),
//!   [`Lease::rearming`] (the slot is being prepared in the background, still leased), or
//!   drop. Dropping a lease (an error, a panic, a cancelled future, a vanished client) kills
//!   the slot's processes, marks the slot dead, wakes the supervisor and returns the permit.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::super::slot::Slot;

pub(super) enum State {
    Ready(Slot),
    /// Leased to an execution.
    Busy {
        since: Instant,
    },
    /// Leased to the task preparing its next child after an execution.
    Rearming,
    /// Leased to the supervisor (or a retry) starting a new slot process.
    Starting,
    /// No process: never started, died, or killed. The supervisor starts it again.
    Dead,
}

/// How many slots are in each state, for health and admission.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SlotCounts {
    pub ready: usize,
    pub busy: usize,
    pub rearming: usize,
    pub dead: usize,
}

pub(super) struct Table {
    states: Mutex<Vec<State>>,
    /// One permit per slot that is `Ready` or `Dead`.
    pub(super) permits: Arc<Semaphore>,
    /// Wakes the supervisor when a slot dies.
    pub(super) refill: Notify,
}

impl Table {
    /// A table of `size` slots, all dead (the pool starts them), with no free permit yet.
    pub(super) fn new(size: usize) -> Self {
        Self {
            states: Mutex::new((0..size).map(|_| State::Starting).collect()),
            permits: Arc::new(Semaphore::new(0)),
            refill: Notify::new(),
        }
    }

    pub(super) fn size(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<State>> {
        // A panic while the lock was held cannot leave a state half-written (every update
        // is one assignment), so a poisoned table is still consistent.
        self.states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a slot with `permit`: a ready one if any (its process may still turn out to be
    /// dead), else a dead one, which the lease holder must start.
    pub(super) fn take(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Lease {
        let mut states = self.lock();
        let index = states
            .iter()
            .position(|s| matches!(s, State::Ready(_)))
            .or_else(|| states.iter().position(|s| matches!(s, State::Dead)));
        // The permit guarantees a Ready or Dead slot; if the invariant were ever broken the
        // lease still holds nothing and gives the permit back on drop.
        let Some(index) = index else {
            drop(states);
            tracing::error!("a permit found no ready or dead slot");
            return Lease {
                table: Arc::clone(self),
                index: usize::MAX,
                slot: None,
                permit: Some(permit),
            };
        };
        let previous = std::mem::replace(
            &mut states[index],
            State::Busy {
                since: Instant::now(),
            },
        );
        let slot = match previous {
            State::Ready(slot) => Some(slot),
            _ => None,
        };
        Lease {
            table: Arc::clone(self),
            index,
            slot,
            permit: Some(permit),
        }
    }

    /// Takes slot `index` for the supervisor if it is dead, or ready with a dead process.
    pub(super) fn take_broken(
        self: &Arc<Self>,
        index: usize,
        permit: OwnedSemaphorePermit,
    ) -> Result<Lease, OwnedSemaphorePermit> {
        let mut states = self.lock();
        let broken = match &mut states[index] {
            State::Dead => true,
            State::Ready(slot) => slot.exited(),
            _ => false,
        };
        if !broken {
            return Err(permit);
        }
        let slot = match std::mem::replace(&mut states[index], State::Starting) {
            State::Ready(slot) => Some(slot),
            _ => None,
        };
        Ok(Lease {
            table: Arc::clone(self),
            index,
            slot,
            permit: Some(permit),
        })
    }

    /// Adds a slot's first process (pool start-up) and its permit.
    pub(super) fn install(&self, index: usize, slot: Option<Slot>) {
        let mut states = self.lock();
        states[index] = slot.map_or(State::Dead, State::Ready);
        drop(states);
        self.permits.add_permits(1);
    }

    pub(super) fn counts(&self) -> SlotCounts {
        let mut counts = SlotCounts::default();
        for state in self.lock().iter_mut() {
            match state {
                // A ready slot whose process exited (killed from outside) is dead already,
                // even before the supervisor's next sweep takes it.
                State::Ready(slot) => {
                    if slot.exited() {
                        counts.dead += 1;
                    } else {
                        counts.ready += 1;
                    }
                }
                State::Busy { .. } => counts.busy += 1,
                State::Rearming | State::Starting => counts.rearming += 1,
                State::Dead => counts.dead += 1,
            }
        }
        counts
    }

    /// Slots preparing their next child or starting: about to be free. Cheap (no look at the
    /// processes), for admission on every request.
    pub(super) fn rearming(&self) -> usize {
        self.lock()
            .iter()
            .filter(|s| matches!(s, State::Rearming | State::Starting))
            .count()
    }

    /// How long the longest-running execution has held its slot.
    pub(super) fn longest_busy(&self) -> Option<std::time::Duration> {
        self.lock()
            .iter()
            .filter_map(|s| match s {
                State::Busy { since } => Some(since.elapsed()),
                _ => None,
            })
            .max()
    }

    /// Takes every ready slot out of the table (shutdown), leaving them dead.
    pub(super) fn drain_ready(&self) -> Vec<Slot> {
        let mut states = self.lock();
        states
            .iter_mut()
            .filter_map(|s| match std::mem::replace(s, State::Dead) {
                State::Ready(slot) => Some(slot),
                other => {
                    *s = other;
                    None
                }
            })
            .collect()
    }

    fn set(&self, index: usize, state: State) {
        if let Some(entry) = self.lock().get_mut(index) {
            *entry = state;
        }
    }
}

/// One slot, held by one user. See the module documentation for how it always comes back.
pub(super) struct Lease {
    table: Arc<Table>,
    index: usize,
    slot: Option<Slot>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Lease {
    pub(super) fn index(&self) -> usize {
        self.index
    }

    /// The slot's process, if it has one that has not exited.
    pub(super) fn live_slot(&mut self) -> Option<&mut Slot> {
        if self.slot.as_mut().is_some_and(Slot::exited) {
            tracing::warn!(
                slot = self.index,
                "sandbox slot died while idle; replacing it"
            );
            self.slot = None;
        }
        self.slot.as_mut()
    }

    /// Gives the lease a new process (the old one, if any, is killed by its drop).
    pub(super) fn install(&mut self, slot: Slot) {
        self.slot = Some(slot);
    }

    pub(super) fn slot_mut(&mut self) -> Option<&mut Slot> {
        self.slot.as_mut()
    }

    /// The slot is marked as re-arming; the lease goes on (to the re-arming task).
    pub(super) fn rearming(self) -> Self {
        self.table.set(self.index, State::Rearming);
        self
    }

    /// Hands the slot back, ready for the next request.
    pub(super) fn ready(mut self) {
        match self.slot.take() {
            Some(slot) => self.table.set(self.index, State::Ready(slot)),
            None => self.table.set(self.index, State::Dead),
        }
        // The permit goes back when `self` drops, after the state is set.
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            // Not handed back: whatever state the slot's protocol is in, it cannot be
            // trusted. Its drop kills every process of the slot.
            tracing::warn!(
                slot = self.index,
                "sandbox slot abandoned; killing and replacing it"
            );
            drop(slot);
            self.table.set(self.index, State::Dead);
            self.table.refill.notify_one();
        } else if self.index != usize::MAX {
            let dead = matches!(
                self.table.lock().get(self.index),
                Some(State::Busy { .. } | State::Rearming | State::Starting)
            );
            if dead {
                self.table.set(self.index, State::Dead);
                self.table.refill.notify_one();
            }
        }
        drop(self.permit.take());
    }
}
