//! Which completion events have left: the publisher hands every event a ticket in the order
//! the events are queued, and the ledger records each ticket's end (published, or lost:
//! dropped by a full queue or given up after every attempt). A reader of a log (an Event
//! Hubs partition) asks before it checkpoints whether every event queued *before a mark*
//! has ended and whether any of them was lost — not whether the whole queue is empty, which
//! under steady load from other paths it never is.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

/// Lost tickets kept for [`Ledger::settled`]; older ones are forgotten and every question
/// about them is answered "lost" (the safe answer: the reader reads again).
const LOST_KEPT: usize = 4096;

/// The answer to "have the events queued in `[since, mark)` ended?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Every one was published.
    Published,
    /// Every one ended and at least one was not published.
    Lost,
    /// Some are still queued or being published.
    Pending,
}

#[derive(Debug, Default)]
struct State {
    /// The next ticket to hand out.
    next: u64,
    /// Every ticket below has ended.
    watermark: u64,
    /// Tickets at or above the watermark that have ended.
    ended_above: BTreeSet<u64>,
    /// Tickets that ended without being published (the newest [`LOST_KEPT`]).
    lost: BTreeSet<u64>,
    /// Lost tickets below this one were forgotten.
    forgotten_below: u64,
}

#[derive(Debug, Default)]
pub struct Ledger {
    state: Mutex<State>,
    changed: Notify,
}

impl Ledger {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent under every panic point (each update is one step).
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new ticket, for an event about to be queued.
    pub fn issue(&self) -> u64 {
        let mut state = self.lock();
        let ticket = state.next;
        state.next += 1;
        ticket
    }

    /// Tickets issued so far: every event queued before this call has a ticket below it.
    pub fn mark(&self) -> u64 {
        self.lock().next
    }

    /// Events issued and not ended.
    pub fn pending(&self) -> usize {
        let state = self.lock();
        let open = state.next - state.watermark;
        usize::try_from(open).unwrap_or(usize::MAX) - state.ended_above.len()
    }

    /// Records the end of `ticket`; returns how many are still pending.
    pub fn end(&self, ticket: u64, published: bool) -> usize {
        let pending = {
            let mut guard = self.lock();
            let state = &mut *guard;
            if ticket < state.watermark || !state.ended_above.insert(ticket) {
                // Ended twice: a bug, but never one that moves the watermark wrongly.
                debug_assert!(false, "ticket {ticket} ended twice");
            }
            while state.ended_above.remove(&state.watermark) {
                state.watermark += 1;
            }
            if !published {
                state.lost.insert(ticket);
                while state.lost.len() > LOST_KEPT {
                    if let Some(oldest) = state.lost.pop_first() {
                        state.forgotten_below = oldest + 1;
                    }
                }
            }
            usize::try_from(state.next - state.watermark).unwrap_or(usize::MAX)
                - state.ended_above.len()
        };
        self.changed.notify_waiters();
        pending
    }

    fn settled_now(&self, since: u64, mark: u64) -> Settled {
        let state = self.lock();
        if state.watermark < mark {
            return Settled::Pending;
        }
        if since < mark
            && (since < state.forgotten_below || state.lost.range(since..mark).next().is_some())
        {
            return Settled::Lost;
        }
        Settled::Published
    }

    /// Waits until every event with a ticket below `mark` has ended, or `within` runs out,
    /// and says whether any ticket in `[since, mark)` was lost.
    pub async fn settled(&self, since: u64, mark: u64, within: Duration) -> Settled {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.changed.notified();
            let now = self.settled_now(since, mark);
            if now != Settled::Pending {
                return now;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.settled_now(since, mark);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watermark_moves_only_over_ended_tickets_in_order() {
        let ledger = Ledger::default();
        let t: Vec<u64> = (0..4).map(|_| ledger.issue()).collect();
        assert_eq!(t, vec![0, 1, 2, 3]);
        assert_eq!(ledger.pending(), 4);
        assert_eq!(ledger.end(2, true), 3);
        assert_eq!(ledger.settled_now(0, 3), Settled::Pending);
        ledger.end(0, true);
        ledger.end(1, true);
        assert_eq!(ledger.settled_now(0, 3), Settled::Published);
        assert_eq!(ledger.settled_now(0, 4), Settled::Pending);
        assert_eq!(ledger.pending(), 1);
    }

    #[test]
    fn events_queued_after_the_mark_do_not_hold_it_up() {
        let ledger = Ledger::default();
        let first = ledger.issue();
        let mark = ledger.mark();
        // Steady load from elsewhere: the queue is never empty again.
        let later: Vec<u64> = (0..100).map(|_| ledger.issue()).collect();
        ledger.end(first, true);
        for t in &later[..50] {
            ledger.end(*t, true);
        }
        assert!(ledger.pending() > 0);
        assert_eq!(ledger.settled_now(0, mark), Settled::Published);
    }

    #[test]
    fn a_lost_event_before_the_mark_is_reported_once_per_range() {
        let ledger = Ledger::default();
        let a = ledger.issue();
        let b = ledger.issue();
        let mark = ledger.mark();
        ledger.end(a, true);
        ledger.end(b, false);
        assert_eq!(ledger.settled_now(0, mark), Settled::Lost);
        // A reader that read again from its checkpoint asks from its new start.
        let c = ledger.issue();
        ledger.end(c, true);
        assert_eq!(ledger.settled_now(mark, ledger.mark()), Settled::Published);
    }

    #[test]
    fn forgotten_losses_count_as_lost() {
        let ledger = Ledger::default();
        let first = ledger.issue();
        ledger.end(first, false);
        for _ in 0..LOST_KEPT {
            let t = ledger.issue();
            ledger.end(t, false);
        }
        assert_eq!(ledger.settled_now(0, 1), Settled::Lost);
        let ok = ledger.issue();
        ledger.end(ok, true);
        assert_eq!(ledger.settled_now(ok, ok + 1), Settled::Published);
    }

    #[tokio::test]
    async fn settled_waits_for_the_end_and_gives_up_at_its_deadline() {
        let ledger = std::sync::Arc::new(Ledger::default());
        let t = ledger.issue();
        let mark = ledger.mark();
        assert_eq!(
            ledger.settled(0, mark, Duration::from_millis(20)).await,
            Settled::Pending
        );
        let ender = std::sync::Arc::clone(&ledger);
        let task = tokio::spawn(async move {
            tokio::task::yield_now().await;
            ender.end(t, true);
        });
        assert_eq!(
            ledger.settled(0, mark, Duration::from_secs(30)).await,
            Settled::Published
        );
        task.await.expect("ender");
    }
}
