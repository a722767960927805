//! From a zygote's reply and the cgroup's accounting to an `ExecutionResult`.

use super::super::cgroup::Usage;
use super::super::slot::{Outcome, Reply};
use crate::models::{ExecutionResult, ExecutionStatus};

/// The result of a finished execution. `cgroups` says whether the usage came from a cgroup
/// (an OOM kill is then known for sure).
pub(super) fn result(
    request_id: &str,
    reply: Reply,
    usage: &Usage,
    cgroups: bool,
    layers: &[String],
) -> ExecutionResult {
    let oom = usage.oom_kills > 0 && cgroups;
    let memory_error = reply
        .stderr
        .trim_end()
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("MemoryError"));
    let status = match reply.outcome {
        Outcome::TimedOut => ExecutionStatus::Timeout,
        _ if oom || memory_error => ExecutionStatus::MemoryLimit,
        Outcome::Signaled(_) => ExecutionStatus::Killed,
        Outcome::Exited(0) => ExecutionStatus::Ok,
        Outcome::Exited(_) => ExecutionStatus::Error,
    };
    let (exit_code, signal) = match reply.outcome {
        Outcome::Exited(code) => (Some(code), None),
        Outcome::Signaled(signal) => (None, Some(signal)),
        Outcome::TimedOut => (None, Some(libc::SIGKILL)),
    };
    let peak_kb = if usage.peak_memory_bytes > 0 {
        usage.peak_memory_bytes / 1024
    } else {
        reply.maxrss_kb
    };
    ExecutionResult {
        request_id: request_id.to_owned(),
        status,
        exit_code,
        signal,
        stdout: reply.stdout,
        stderr: reply.stderr,
        stdout_truncated: reply.stdout_truncated,
        stderr_truncated: reply.stderr_truncated,
        duration_ms: reply.duration_ms,
        cpu_ms: reply.cpu_ms,
        peak_memory_kb: peak_kb,
        findings: Vec::new(),
        errors: Vec::new(),
        layers: layers.to_vec(),
    }
}
