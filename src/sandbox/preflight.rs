//! Start-up probes of what the kernel (or the pod around us) lets the sandbox do, run before
//! any slot is built, so that a missing layer stops start-up with its name and the likely
//! cause instead of a failed step deep inside a slot's set-up.
//!
//! In a Kubernetes pod the usual culprits are the pod's seccomp profile (`RuntimeDefault`
//! refuses `unshare`) and a pod that shares the host's user namespace on a node that forbids
//! unprivileged ones. Each probe runs in a forked child: the namespaces it makes die with it.

/// Why the sandbox cannot make its namespaces here.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error(
        "layer `namespaces` is missing: unshare(user, mount, PID, network, IPC, UTS) {cause}; in a Kubernetes pod, RuntimeDefault seccomp refuses unshare (use the Localhost profile manifests/seccomp/pyexec-sandbox.json) and the pod needs hostUsers: false or a node that permits unprivileged user namespaces (docs/deploy.md)"
    )]
    Namespaces { cause: String },
    #[error("cannot probe the sandbox's namespaces: {step} failed with {errno}")]
    Probe {
        step: &'static str,
        errno: nix::errno::Errno,
    },
}

/// The namespaces every slot makes (`init.rs`, then the zygote's PID namespace).
const FLAGS: libc::c_int = libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS;

/// Whether this process may make the slots' namespaces: a forked child tries, and reports
/// the errno as its exit status.
pub fn namespaces() -> Result<(), PreflightError> {
    // SAFETY: the child calls only unshare(2) and _exit(2), both async-signal-safe, so
    // forking a multi-threaded process is sound; it touches no lock and allocates nothing.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(PreflightError::Probe {
            step: "fork",
            errno: nix::errno::Errno::last(),
        });
    }
    if pid == 0 {
        // SAFETY: unshare takes flags only; the namespaces belong to this child alone.
        let status = if unsafe { libc::unshare(FLAGS) } == 0 {
            0
        } else {
            // An errno fits an exit status (1..=133 on Linux).
            nix::errno::Errno::last_raw()
        };
        // SAFETY: _exit ends the child at once, running no destructor or atexit handler of
        // the parent's state.
        unsafe { libc::_exit(status) };
    }
    let child = nix::unistd::Pid::from_raw(pid);
    loop {
        match nix::sys::wait::waitpid(child, None) {
            Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => return Ok(()),
            Ok(nix::sys::wait::WaitStatus::Exited(_, code)) => {
                return Err(PreflightError::Namespaces {
                    cause: format!("fails with {}", nix::errno::Errno::from_raw(code)),
                })
            }
            Ok(nix::sys::wait::WaitStatus::Signaled(_, signal, _)) => {
                // A seccomp filter that kills instead of failing the call.
                return Err(PreflightError::Namespaces {
                    cause: format!("kills the caller ({signal})"),
                });
            }
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(errno) => {
                return Err(PreflightError::Probe {
                    step: "waitpid",
                    errno,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// On the machines the tests run on, the sandbox works: the probe must pass.
    #[test]
    fn the_probe_passes_where_the_sandbox_works() {
        super::namespaces().expect("namespaces");
    }
}
