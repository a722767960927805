//! What `/proc` says about a process that is not (or no longer) our child: whether it is
//! still the one a job record names, and whether it is a runner.
//!
//! A pid alone cannot say this: pids are recycled. The kernel's start time of a process
//! (field 22 of `/proc/PID/stat`, in clock ticks since boot) does not change while it lives
//! and differs for the next process given the same pid, so the pair names one process.

use serde::{Deserialize, Serialize};

/// One process: its pid and the start time the kernel gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    pub pid: u32,
    /// Clock ticks after boot (`/proc/PID/stat` field 22).
    pub start_time: u64,
}

impl ProcessId {
    /// The process that has `pid` now, if there is one.
    pub fn of(pid: u32) -> Option<Self> {
        let stat = Stat::read(pid)?;
        Some(Self {
            pid,
            start_time: stat.start_time,
        })
    }

    /// This process.
    pub fn current() -> Option<Self> {
        Self::of(std::process::id())
    }

    /// Whether this very process still runs: same pid, same start time, not a zombie.
    pub fn is_alive(&self) -> bool {
        Stat::read(self.pid)
            .is_some_and(|s| s.start_time == self.start_time && !matches!(s.state, 'Z' | 'X'))
    }

    /// Whether this process still runs and is a `pyexec job-run`.
    pub fn is_runner(&self) -> bool {
        self.is_alive() && has_argument(self.pid, "job-run")
    }

    /// The pid as `nix` takes it, when it fits.
    pub fn nix_pid(&self) -> Option<nix::unistd::Pid> {
        i32::try_from(self.pid).ok().map(nix::unistd::Pid::from_raw)
    }
}

/// Whether a process that has not exited has `pid` (a zombie has: its cgroups and files
/// are of no use to it any more, and its pid cannot be given to another process until it is
/// reaped).
pub fn is_running(pid: u32) -> bool {
    Stat::read(pid).is_some_and(|s| !matches!(s.state, 'Z' | 'X'))
}

/// Whether one of the arguments of process `pid` is exactly `argument`.
fn has_argument(pid: u32, argument: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|bytes| {
        bytes
            .split(|b| *b == 0)
            .any(|arg| arg == argument.as_bytes())
    })
}

/// The fields of `/proc/PID/stat` that matter here.
struct Stat {
    state: char,
    start_time: u64,
}

impl Stat {
    fn read(pid: u32) -> Option<Self> {
        Self::parse(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    /// The command name (field 2) is in parentheses and may hold spaces and parentheses
    /// itself, so the fields are counted from the last `)`.
    fn parse(text: &str) -> Option<Self> {
        let rest = &text[text.rfind(')')? + 1..];
        let mut fields = rest.split_whitespace();
        let state = fields.next()?.chars().next()?;
        // Field 3 is the state; field 22, the start time, comes 19 fields later.
        let start_time = fields.nth(18)?.parse().ok()?;
        Some(Self { state, start_time })
    }
}

#[cfg(test)]
mod tests {
    use super::{ProcessId, Stat};

    #[test]
    fn the_start_time_is_read_past_a_command_name_with_spaces_and_parentheses() {
        let line = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615";
        let stat = Stat::parse(line).expect("parses");
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.start_time, 987_654);
        assert!(Stat::parse("4242 (x").is_none());
    }

    #[test]
    fn this_process_is_alive_and_a_recycled_pid_is_not_it() {
        let me = ProcessId::current().expect("own stat");
        assert!(me.is_alive());
        assert!(!me.is_runner(), "the test binary is not a job-run");
        let other = ProcessId {
            start_time: me.start_time + 1,
            ..me
        };
        assert!(!other.is_alive());
        assert!(ProcessId::of(u32::MAX).is_none());
    }
}
