//! How long a source waits before it connects again: doubling from 200 ms up to 10 s while
//! connections keep failing, and back to the start once a connection has lived longer than
//! the longest wait (it was healthy: its failure is a new incident, not the same outage).

use std::time::Duration;

const FIRST: Duration = Duration::from_millis(200);
const LONGEST: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Reconnect {
    next: Duration,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self { next: FIRST }
    }
}

impl Reconnect {
    /// The wait after a connection that lived `lived` failed.
    pub fn after(&mut self, lived: Duration) -> Duration {
        if lived > LONGEST {
            self.next = FIRST;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(LONGEST);
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_while_connections_fail_at_once_and_reset_after_a_healthy_one() {
        let mut reconnect = Reconnect::default();
        let quick = Duration::from_millis(5);
        let waits: Vec<u128> = (0..8).map(|_| reconnect.after(quick).as_millis()).collect();
        assert_eq!(waits, [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
        // A connection that served for a minute, then failed: back to the first wait.
        assert_eq!(reconnect.after(Duration::from_secs(60)), FIRST);
        assert_eq!(reconnect.after(quick), Duration::from_millis(400));
    }
}
