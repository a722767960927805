//! Why a pool could not start.

use std::path::PathBuf;

use super::super::cgroup::CgroupError;
use super::super::slot::SlotError;
use crate::models::{ExecutionError, ExecutionStatus};

/// Why the pool could not start: a layer that is missing and not allowed to be, or a slot
/// that did not come up.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Preflight(#[from] super::super::PreflightError),
    #[error(
        "layer `cgroup` is missing: cgroups (memory, pids, cpu) writable by this process are required (in a pod: a delegated cgroup v2 subtree, docs/deploy.md); set sandbox.allow_weaker = true to run without them"
    )]
    CgroupsRequired(#[source] CgroupError),
    #[error("sandbox.python {}", .path.display())]
    Python {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Seccomp(#[from] super::super::SeccompError),
    #[error(
        "layer `landlock` is missing: landlock_create_ruleset is refused (the kernel lacks landlock, or a seccomp profile such as RuntimeDefault refuses the call)"
    )]
    NoLandlock,
    #[error(
        "landlock ABI {abi} cannot scope signals and abstract unix sockets to an execution (ABI 6, Linux 6.12); set sandbox.allow_weaker = true to run with the PID namespace and sessions alone"
    )]
    LandlockCannotScope { abi: i64 },
    #[error("cannot encode the zygote's configuration")]
    Config(#[source] serde_json::Error),
    #[error("starting sandbox slot {index}")]
    StartSlot {
        index: usize,
        #[source]
        source: SlotError,
    },
    #[error("preparing sandbox slot {index}")]
    PrepareSlot {
        index: usize,
        #[source]
        source: SlotError,
    },
    #[error("sandbox self-test failed")]
    SelfTest(#[source] ExecutionError),
    #[error(
        "sandbox self-test failed: status {status:?}, stdout {stdout:?}, stderr {stderr:?}, errors {errors:?}"
    )]
    SelfTestResult {
        status: ExecutionStatus,
        stdout: String,
        stderr: String,
        errors: Vec<String>,
    },
    #[error("pool size {0} is too large")]
    TooLarge(usize),
    #[error("the pool closed while it started")]
    Closed(#[from] tokio::sync::AcquireError),
}
