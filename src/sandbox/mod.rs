//! The OS-level sandbox: a pool of warm, isolated Python fork servers.
//!
//! Each slot is a Python zygote (`python/zygote.py`), PID 1 of its own PID namespace, inside
//! its own user, mount, network, IPC and UTS namespaces with only the runtime visible
//! read-only (`init.rs`), as a host uid of its own, in a session and a cgroup of its own. An
//! execution is one fork of the zygote, made ahead of the request: the child locks itself
//! down in one ordered sequence (`python/lockdown.py`, driven by `lockdown.rs`: private tmpfs
//! work folder, the slot's cgroup, every rlimit, landlock, capabilities, no_new_privs,
//! seccomp) and, unless the operator turned them off, the Python guards (`python/guards.py`);
//! only then does it wait for code. The zygote never holds request bytes: the service gets
//! the child's pipes and a pidfd over the slot's control socket (`slot.rs`) and writes the
//! code and reads the output itself. Before the next child the zygote kills and reaps every
//! process of the execution, so nothing survives into the next one.
//! The threat model: `docs/sandbox.md`.

mod cgroup;
pub mod init;
mod lockdown;
mod pool;
mod preflight;
mod slot;

pub use cgroup::{CgroupError, Version as CgroupVersion};
pub use init::InitError;
pub use pool::{
    resolve_limits, Admittee, Health, HeavyOptions, Job, Pool, PoolError, PoolOptions, INPUT_DIR,
};
pub use preflight::PreflightError;
pub use slot::{OutputStream, Progress, SlotError};

/// The fork server, the per-execution lockdown and the Python guards, written into each
/// slot's root.
const ZYGOTE: &str = include_str!("python/zygote.py");
const LOCKDOWN: &str = include_str!("python/lockdown.py");
const GUARDS: &str = include_str!("python/guards.py");
/// The seccomp policy of every execution, with a reason per syscall.
const SECCOMP_POLICY: &str = include_str!("../../roles/executor/seccomp.json");

/// Why the seccomp policy could not become a BPF program.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("seccomp: unsupported architecture {arch}")]
    UnsupportedArch {
        arch: &'static str,
        #[source]
        source: seccompiler::BackendError,
    },
    #[error("seccomp policy does not compile")]
    Compile(#[source] seccompiler::Error),
    #[error("seccomp policy has no `child` filter")]
    NoChildFilter,
    #[error("seccomp policy: {0}")]
    Policy(String),
}

/// Compiles the seccomp policy to the BPF bytes `prctl(PR_SET_SECCOMP)` takes.
///
/// `lightweight`: the lightweight sandbox may not install signal handlers
/// (`rt_sigaction` only with a null new action, to read one): a handler is called with
/// the interrupted frame and no audit event, and from that frame the zygote's (seventh
/// review). The heavy tier keeps them: pyarrow installs its own SIGINT handler around
/// long reads.
pub fn seccomp_program(policy_json: &str, lightweight: bool) -> Result<Vec<u8>, SeccompError> {
    let arch = std::env::consts::ARCH;
    let target = seccompiler::TargetArch::try_from(arch)
        .map_err(|source| SeccompError::UnsupportedArch { arch, source })?;
    let policy = if lightweight {
        std::borrow::Cow::Owned(without_signal_handlers(policy_json)?)
    } else {
        std::borrow::Cow::Borrowed(policy_json)
    };
    let mut filters =
        seccompiler::compile_from_json(policy.as_bytes(), target).map_err(SeccompError::Compile)?;
    let program = filters.remove("child").ok_or(SeccompError::NoChildFilter)?;
    let mut bytes = Vec::with_capacity(program.len() * 8);
    for instruction in program {
        bytes.extend_from_slice(&instruction.code.to_ne_bytes());
        bytes.push(instruction.jt);
        bytes.push(instruction.jf);
        bytes.extend_from_slice(&instruction.k.to_ne_bytes());
    }
    Ok(bytes)
}

/// `policy_json` with `rt_sigaction` allowed only when its new action (argument 1) is null.
fn without_signal_handlers(policy_json: &str) -> Result<String, SeccompError> {
    let mut policy: serde_json::Value =
        serde_json::from_str(policy_json).map_err(|e| SeccompError::Policy(e.to_string()))?;
    let rule = policy["child"]["filter"]
        .as_array_mut()
        .and_then(|rules| rules.iter_mut().find(|r| r["syscall"] == "rt_sigaction"))
        .ok_or_else(|| SeccompError::Policy("no rt_sigaction rule".to_owned()))?;
    rule["args"] = serde_json::json!([{
        "index": 1,
        "type": "qword",
        "op": "eq",
        "val": 0,
        "comment": "reading a handler only: no new handler (lightweight)"
    }]);
    Ok(policy.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seccomp_policy_compiles_and_every_rule_has_a_reason() {
        let program = super::seccomp_program(super::SECCOMP_POLICY, false).expect("compiles");
        let lightweight = super::seccomp_program(super::SECCOMP_POLICY, true).expect("compiles");
        assert!(
            lightweight.len() > program.len(),
            "the argument check adds instructions"
        );
        assert!(program.len() > 100 * 8);
        let policy: serde_json::Value =
            serde_json::from_str(super::SECCOMP_POLICY).expect("valid JSON");
        let rules = policy["child"]["filter"].as_array().expect("rules");
        for rule in rules {
            let reason = rule["comment"].as_str().unwrap_or_default();
            assert!(reason.len() > 3, "{rule} has no reason");
        }
        let clone = rules
            .iter()
            .find(|r| r["syscall"] == "clone")
            .expect("clone rule");
        let namespaces = libc::CLONE_NEWNS
            | libc::CLONE_NEWCGROUP
            | libc::CLONE_NEWUTS
            | libc::CLONE_NEWIPC
            | libc::CLONE_NEWUSER
            | libc::CLONE_NEWPID
            | libc::CLONE_NEWNET;
        assert_eq!(
            clone["args"][0]["op"]["masked_eq"].as_u64(),
            u64::try_from(namespaces).ok(),
            "clone must be refused with any namespace flag"
        );
        assert_eq!(clone["args"][0]["val"].as_u64(), Some(0));
        let names: Vec<&str> = rules.iter().filter_map(|r| r["syscall"].as_str()).collect();
        for forbidden in [
            "execve",
            "execveat",
            "socket",
            "ptrace",
            "mount",
            "unshare",
            "setns",
            "bpf",
            "keyctl",
            "clone3",
            "io_uring_setup",
            "userfaultfd",
            "memfd_create",
            "sysinfo",
            "flock",
        ] {
            assert!(
                !names.contains(&forbidden),
                "{forbidden} must not be allowed"
            );
        }
        // Limits only of the caller itself; descriptor flags, never locks or leases.
        for rule in rules.iter().filter(|r| r["syscall"] == "prlimit64") {
            assert_eq!(rule["args"][0]["index"], 0, "{rule}");
            assert_eq!(rule["args"][0]["val"], 0, "{rule}");
        }
        for rule in rules.iter().filter(|r| r["syscall"] == "fcntl") {
            assert_eq!(rule["args"][0]["index"], 1, "{rule}");
            let command = rule["args"][0]["val"].as_u64().expect("a command");
            assert!(
                [0, 1, 2, 3, 4, 1030].contains(&command),
                "fcntl command {command} must not be allowed"
            );
        }
    }
}
