//! The per-execution lockdown, as data the Python side applies in order (`lockdown.py`).
//!
//! Every number the child needs (syscall numbers, landlock access rights for the kernel's ABI,
//! resource limits) is computed here, on the Rust side, and travels as typed JSON: the Python
//! files hold the order of the steps and the reasons for it, not magic numbers.
//!
//! Two parts: [`Static`], the same for every execution of a pool (written once into each
//! slot's `config.json`), and [`Plan`], the part that depends on a request's limits (sent with
//! each `prepare`).

use serde::Serialize;

use super::slot::Limits;

/// x86_64 syscall numbers the lockdown calls through `syscall(2)` (no libc wrapper in the
/// Python runtime for them).
#[derive(Debug, Clone, Serialize)]
pub struct Syscalls {
    pub capset: i64,
    pub landlock_create_ruleset: i64,
    pub landlock_add_rule: i64,
    pub landlock_restrict_self: i64,
}

impl Syscalls {
    pub fn native() -> Self {
        Self {
            capset: libc::SYS_capset,
            landlock_create_ruleset: libc::SYS_landlock_create_ruleset,
            landlock_add_rule: libc::SYS_landlock_add_rule,
            landlock_restrict_self: libc::SYS_landlock_restrict_self,
        }
    }
}

// Landlock filesystem access rights (uapi/linux/landlock.h) and the ABI that added each.
const LL_EXECUTE: u64 = 1 << 0;
const LL_WRITE_FILE: u64 = 1 << 1;
const LL_READ_FILE: u64 = 1 << 2;
const LL_READ_DIR: u64 = 1 << 3;
/// EXECUTE .. MAKE_SYM: everything ABI 1 knows.
const LL_ABI1_ALL: u64 = (1 << 13) - 1;
const LL_REFER: u64 = 1 << 13; // ABI 2
const LL_TRUNCATE: u64 = 1 << 14; // ABI 3
const LL_IOCTL_DEV: u64 = 1 << 15; // ABI 5
/// Rights that apply to a file rather than a directory.
const LL_FILE_RIGHTS: u64 = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV;
/// BIND_TCP | CONNECT_TCP (ABI 4): handled with no rule, so both are refused.
const LL_NET_ALL: u64 = 0b11;
/// SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL (ABI 6).
const LL_SCOPE_ALL: u64 = 0b11;

/// The landlock ruleset for the kernel's ABI.
#[derive(Debug, Clone, Serialize)]
pub struct Landlock {
    pub abi: i64,
    pub handled_fs: u64,
    pub handled_net: u64,
    pub scoped: u64,
    /// Size of `struct landlock_ruleset_attr` this ABI reads.
    pub attr_size: usize,
    /// Rights on the read-only runtime, on the work folder, and on the device nodes.
    pub read: u64,
    pub write: u64,
    pub device: u64,
    /// The subset of rights a rule on a file (not a directory) may carry.
    pub file_rights: u64,
    pub read_paths: Vec<String>,
    pub write_paths: Vec<String>,
    pub device_paths: Vec<String>,
}

impl Landlock {
    /// The kernel's landlock ABI (0 when landlock is unavailable).
    pub fn kernel_abi() -> i64 {
        // SAFETY: LANDLOCK_CREATE_RULESET_VERSION with a null attribute and size 0 only
        // queries the ABI version; it creates nothing and touches no memory.
        let abi = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                std::ptr::null::<u8>(),
                0usize,
                1u32,
            )
        };
        abi.max(0)
    }

    pub fn for_abi(
        abi: i64,
        read_paths: Vec<String>,
        write_paths: Vec<String>,
        device_paths: Vec<String>,
    ) -> Self {
        let mut handled_fs = LL_ABI1_ALL;
        if abi >= 2 {
            handled_fs |= LL_REFER;
        }
        if abi >= 3 {
            handled_fs |= LL_TRUNCATE;
        }
        if abi >= 5 {
            handled_fs |= LL_IOCTL_DEV;
        }
        let (handled_net, scoped, attr_size) = match abi {
            ..=3 => (0, 0, 8),
            4 | 5 => (LL_NET_ALL, 0, 16),
            _ => (LL_NET_ALL, LL_SCOPE_ALL, 24),
        };
        let truncate = if abi >= 3 { LL_TRUNCATE } else { 0 };
        Self {
            abi,
            handled_fs,
            handled_net,
            scoped,
            attr_size,
            read: LL_EXECUTE | LL_READ_FILE | LL_READ_DIR,
            write: handled_fs,
            device: LL_WRITE_FILE | LL_READ_FILE | truncate,
            file_rights: LL_FILE_RIGHTS,
            read_paths,
            write_paths,
            device_paths,
        }
    }

    /// Whether signals and abstract unix sockets are scoped to the execution (ABI 6).
    pub fn scopes_signals(&self) -> bool {
        self.scoped & LL_SCOPE_ALL == LL_SCOPE_ALL
    }
}

/// What every execution of a pool gets, whatever its limits.
#[derive(Debug, Clone, Serialize)]
pub struct Static {
    pub syscalls: Syscalls,
    pub landlock: Landlock,
    /// The slot's cgroup `cgroup.procs` files, open at these fds in the zygote.
    pub cgroup_fds: Vec<i32>,
    /// Each execution gets its own tmpfs at /work (else /work is the heavy runner's shared
    /// output folder).
    pub private_work: bool,
}

/// One resource limit: `(resource, soft, hard)` with Linux's resource numbers.
pub type Rlimit = (i32, u64, u64);

/// What one prepared child is locked down with: everything that depends on the limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Mount options of the private tmpfs at /work.
    pub work_tmpfs: String,
    /// Every resource limit, set explicitly: none is inherited from the zygote.
    pub rlimits: Vec<Rlimit>,
    pub guards: bool,
}

/// Settings of the pool that shape every plan.
#[derive(Debug, Clone, Copy)]
pub struct PlanSettings {
    pub max_open_files: u64,
    pub address_space_headroom: u64,
}

impl Plan {
    pub fn new(limits: &Limits, settings: PlanSettings) -> Self {
        let address_space = limits.memory_bytes + settings.address_space_headroom;
        let disk = limits.disk_mb << 20;
        let cpu = limits.timeout.ceil().max(1.0) as u64 + 2;
        let pids = u64::from(limits.max_pids);
        let rlimit = |resource: libc::__rlimit_resource_t, value: u64| -> Rlimit {
            (resource as i32, value, value)
        };
        Self {
            work_tmpfs: format!("size={}m,nr_inodes=8192,mode=0700", limits.disk_mb),
            rlimits: vec![
                rlimit(libc::RLIMIT_CPU, cpu),
                rlimit(libc::RLIMIT_FSIZE, disk),
                rlimit(libc::RLIMIT_DATA, address_space),
                rlimit(libc::RLIMIT_STACK, 8 << 20),
                rlimit(libc::RLIMIT_CORE, 0),
                rlimit(libc::RLIMIT_RSS, address_space),
                rlimit(libc::RLIMIT_NPROC, pids),
                rlimit(libc::RLIMIT_NOFILE, settings.max_open_files),
                rlimit(libc::RLIMIT_MEMLOCK, 0),
                rlimit(libc::RLIMIT_AS, address_space),
                rlimit(libc::RLIMIT_LOCKS, 0),
                rlimit(libc::RLIMIT_SIGPENDING, 64),
                rlimit(libc::RLIMIT_MSGQUEUE, 0),
                rlimit(libc::RLIMIT_NICE, 0),
                rlimit(libc::RLIMIT_RTPRIO, 0),
                rlimit(libc::RLIMIT_RTTIME, 0),
            ],
            guards: limits.guards,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_limit_is_set_and_the_landlock_attr_follows_the_abi() {
        let limits = Limits {
            timeout: 2.5,
            memory_bytes: 256 << 20,
            max_pids: 32,
            disk_mb: 64,
            guards: true,
            cpus: 1.0,
        };
        let plan = Plan::new(
            &limits,
            PlanSettings {
                max_open_files: 256,
                address_space_headroom: 1 << 30,
            },
        );
        let mut resources: Vec<i32> = plan.rlimits.iter().map(|r| r.0).collect();
        resources.sort_unstable();
        assert_eq!(
            resources,
            (0..16).collect::<Vec<i32>>(),
            "all 16 Linux rlimits"
        );
        assert!(plan.rlimits.iter().all(|(_, soft, hard)| soft == hard));
        assert_eq!(Landlock::for_abi(1, vec![], vec![], vec![]).attr_size, 8);
        assert_eq!(Landlock::for_abi(4, vec![], vec![], vec![]).attr_size, 16);
        let six = Landlock::for_abi(6, vec![], vec![], vec![]);
        assert_eq!(six.attr_size, 24);
        assert!(six.scopes_signals());
        assert!(!Landlock::for_abi(5, vec![], vec![], vec![]).scopes_signals());
    }
}
