//! One cgroup per slot's executions, on cgroup v2 where the host has it and v1 otherwise.
//!
//! The executor creates `pyexec-<pid>/slot-<n>` under the memory, pids and cpu controllers,
//! sets the limits of each execution before it starts, and opens the `cgroup.procs` files that
//! the forked child writes `0` into to join them (the write is checked against the opener's
//! credentials). The zygote itself stays outside, so an execution is charged only for itself.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// Why a cgroup could not be found, made or set.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("cgroup v2 at {} lacks the {controller} controller", .mount.display())]
    MissingController {
        mount: PathBuf,
        controller: &'static str,
    },
    #[error("no cgroup v2 and no v1 {controller} controller under {}", .mount.display())]
    NoHierarchy {
        mount: PathBuf,
        controller: &'static str,
    },
    #[error("cannot read /proc/self/cgroup")]
    ReadOwn(#[source] std::io::Error),
    #[error("no cgroup v2 entry in /proc/self/cgroup")]
    NoOwnEntry,
    #[error("create cgroup {}", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("enable controllers under {}", .path.display())]
    EnableControllers {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("write {value} to {}", .path.display())]
    Write {
        path: PathBuf,
        value: String,
        #[source]
        source: std::io::Error,
    },
    #[error("open {}", .path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `create_dir_all`, naming the cgroup in the error.
fn create(path: &Path) -> Result<(), CgroupError> {
    fs::create_dir_all(path).map_err(|source| CgroupError::Create {
        path: path.to_path_buf(),
        source,
    })
}

const V1_CONTROLLERS: [&str; 3] = ["memory", "pids", "cpu"];
const CPU_PERIOD_US: u64 = 100_000;
/// CPU weight of an execution: the kernel's default (v1 `cpu.shares`, v2 `cpu.weight`), and
/// what a long-running one is lowered to, so that short programs get the CPU first when the
/// machine is saturated (a 1:64 ratio; the quota, `cpus`, still caps every execution).
const WEIGHT_V1: (u64, u64) = (1024, 16);
const WEIGHT_V2: (u64, u64) = (100, 2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Version {
    V1,
    V2,
}

/// Where this executor's cgroups live.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub version: Version,
    /// v2: one folder; v1: one per controller, in `V1_CONTROLLERS` order.
    bases: Vec<PathBuf>,
}

impl Hierarchy {
    /// Finds the controllers and creates this executor's folder under each.
    pub fn create(mount: &Path, name: &str) -> Result<Self, CgroupError> {
        let unified = mount.join("cgroup.controllers");
        if let Ok(controllers) = fs::read_to_string(&unified) {
            let have: Vec<&str> = controllers.split_whitespace().collect();
            for needed in ["memory", "pids", "cpu"] {
                if !have.contains(&needed) {
                    return Err(CgroupError::MissingController {
                        mount: mount.to_path_buf(),
                        controller: needed,
                    });
                }
            }
            let own = own_v2_cgroup(mount)?;
            let base = own.join(name);
            create(&base)?;
            fs::write(base.join("cgroup.subtree_control"), "+memory +pids +cpu").map_err(
                |source| CgroupError::EnableControllers {
                    path: base.clone(),
                    source,
                },
            )?;
            return Ok(Self {
                version: Version::V2,
                bases: vec![base],
            });
        }
        let mut bases = Vec::new();
        for controller in V1_CONTROLLERS {
            let root = mount.join(controller);
            if !root.join("cgroup.procs").exists() {
                return Err(CgroupError::NoHierarchy {
                    mount: mount.to_path_buf(),
                    controller,
                });
            }
            let base = root.join(name);
            create(&base)?;
            bases.push(base);
        }
        Ok(Self {
            version: Version::V1,
            bases,
        })
    }

    pub fn slot(&self, slot: usize) -> Result<Cgroup, CgroupError> {
        self.child(&format!("slot-{slot}"))
    }

    /// The cgroup of slot `slot`'s own processes (its init and zygote), apart from its
    /// executions': they are charged and limited on their own.
    pub fn zygote(&self, slot: usize) -> Result<Cgroup, CgroupError> {
        self.child(&format!("zygote-{slot}"))
    }

    fn child(&self, name: &str) -> Result<Cgroup, CgroupError> {
        let dirs: Vec<PathBuf> = self.bases.iter().map(|b| b.join(name)).collect();
        for dir in &dirs {
            create(dir)?;
        }
        Ok(Cgroup {
            version: self.version,
            dirs,
        })
    }

    /// Removes this executor's folders (they must be empty of processes). A cgroup whose last
    /// process has just been killed can refuse `rmdir` with EBUSY for a moment while the
    /// kernel finishes that exit, so busy folders are retried for up to a second; what is
    /// still left after that is logged (the next start-up's reclaim removes it).
    pub fn remove(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            let left = self.remove_once();
            if left.is_empty() {
                return;
            }
            if std::time::Instant::now() >= deadline {
                for (path, err) in left {
                    tracing::warn!(path = %path.display(), error = %crate::telemetry::error_chain(&err), "cannot remove a cgroup");
                }
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// One pass over the folders, children first; returns what could not be removed.
    fn remove_once(&self) -> Vec<(PathBuf, std::io::Error)> {
        let mut left = Vec::new();
        let mut rmdir = |path: PathBuf| match fs::remove_dir(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => left.push((path, err)),
        };
        for base in &self.bases {
            if let Ok(entries) = fs::read_dir(base) {
                for entry in entries.flatten() {
                    if entry.path().is_dir() {
                        rmdir(entry.path());
                    }
                }
            }
            rmdir(base.clone());
        }
        left
    }
}

fn own_v2_cgroup(mount: &Path) -> Result<PathBuf, CgroupError> {
    let text = fs::read_to_string("/proc/self/cgroup").map_err(CgroupError::ReadOwn)?;
    let relative = text
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .ok_or(CgroupError::NoOwnEntry)?;
    // A process may not sit in a cgroup whose subtree controllers are enabled, so use the
    // parent of our own cgroup when we are not at the root.
    let own = mount.join(relative.trim_start_matches('/'));
    Ok(if relative == "/" {
        own
    } else {
        own.parent().map(Path::to_path_buf).unwrap_or(own)
    })
}

/// The cgroup of one slot's executions.
#[derive(Debug, Clone)]
pub struct Cgroup {
    pub version: Version,
    dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub peak_memory_bytes: u64,
    pub oom_kills: u64,
}

impl Cgroup {
    fn file(&self, controller: usize, v1: &str, v2: &str) -> PathBuf {
        match self.version {
            Version::V1 => self.dirs[controller].join(v1),
            Version::V2 => self.dirs[0].join(v2),
        }
    }

    /// Sets the limits of the next execution and resets its peak-memory counter.
    pub fn prepare(&self, memory_bytes: u64, max_pids: u32, cpus: f64) -> Result<(), CgroupError> {
        let quota = ((cpus * CPU_PERIOD_US as f64) as u64).max(1000);
        match self.version {
            Version::V1 => {
                // Swap must not extend the limit; the file is absent without swap accounting.
                // memory+swap may never be below memory alone, so the order depends on
                // whether the limit grows or shrinks.
                let memory = self.file(0, "memory.limit_in_bytes", "");
                let swap = self.file(0, "memory.memsw.limit_in_bytes", "");
                if swap.exists() {
                    let current = read_u64(&swap).unwrap_or(u64::MAX);
                    if memory_bytes > current {
                        write(swap, memory_bytes)?;
                        write(memory, memory_bytes)?;
                    } else {
                        write(memory, memory_bytes)?;
                        write(swap, memory_bytes)?;
                    }
                } else {
                    write(memory, memory_bytes)?;
                }
                write(self.file(0, "memory.max_usage_in_bytes", ""), 0)?;
                write(self.file(1, "pids.max", ""), max_pids)?;
                write(self.file(2, "cpu.cfs_period_us", ""), CPU_PERIOD_US)?;
                write(self.file(2, "cpu.cfs_quota_us", ""), quota)?;
                write(self.file(2, "cpu.shares", ""), WEIGHT_V1.0)?;
            }
            Version::V2 => {
                write(self.file(0, "", "memory.max"), memory_bytes)?;
                write(self.file(0, "", "memory.swap.max"), 0)?;
                let peak = self.file(0, "", "memory.peak");
                // Writing resets the peak on kernels >= 6.12; older ones refuse, harmlessly.
                let _ = fs::write(peak, "0");
                write(self.file(0, "", "pids.max"), max_pids)?;
                write(
                    self.file(0, "", "cpu.max"),
                    format!("{quota} {CPU_PERIOD_US}"),
                )?;
                write(self.file(0, "", "cpu.weight"), WEIGHT_V2.0)?;
            }
        }
        Ok(())
    }

    /// Lowers the CPU weight of the running execution (it has run long: a batch job, a loop),
    /// so that short executions in other slots are scheduled first. `prepare` restores it.
    pub fn demote(&self) -> Result<(), CgroupError> {
        match self.version {
            Version::V1 => write(self.file(2, "cpu.shares", ""), WEIGHT_V1.1),
            Version::V2 => write(self.file(0, "", "cpu.weight"), WEIGHT_V2.1),
        }
    }

    /// Resets the peak-memory counter, so that it measures the next execution only.
    pub fn reset_peak(&self) -> Result<(), CgroupError> {
        match self.version {
            Version::V1 => write(self.file(0, "memory.max_usage_in_bytes", ""), 0),
            Version::V2 => {
                // Writing resets the peak on kernels >= 6.12; older ones refuse, harmlessly.
                let _ = fs::write(self.file(0, "", "memory.peak"), "0");
                Ok(())
            }
        }
    }

    /// `cgroup.procs` of every controller, opened for writing, for the child to join.
    pub fn procs_files(&self) -> Result<Vec<File>, CgroupError> {
        self.dirs
            .iter()
            .map(|dir| {
                let path = dir.join("cgroup.procs");
                OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|source| CgroupError::Open { path, source })
            })
            .collect()
    }

    pub fn usage(&self) -> Usage {
        let peak = match self.version {
            Version::V1 => read_u64(&self.file(0, "memory.max_usage_in_bytes", "")),
            Version::V2 => read_u64(&self.file(0, "", "memory.peak")),
        };
        let oom_kills = match self.version {
            Version::V1 => keyed(&self.file(0, "memory.oom_control", ""), "oom_kill"),
            Version::V2 => keyed(&self.file(0, "", "memory.events"), "oom_kill"),
        };
        Usage {
            peak_memory_bytes: peak.unwrap_or(0),
            oom_kills: oom_kills.unwrap_or(0),
        }
    }

    /// Processes still in the cgroup.
    pub fn processes(&self) -> Vec<i32> {
        let Ok(text) = fs::read_to_string(self.dirs[0].join("cgroup.procs")) else {
            return Vec::new();
        };
        text.lines().filter_map(|l| l.trim().parse().ok()).collect()
    }

    /// Kills every process left in the cgroup (the PID namespace makes this a backstop).
    pub fn kill_all(&self) {
        if self.version == Version::V2 && fs::write(self.dirs[0].join("cgroup.kill"), "1").is_ok() {
            return;
        }
        for _ in 0..50 {
            let pids = self.processes();
            if pids.is_empty() {
                return;
            }
            for pid in pids {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}

fn write(path: PathBuf, value: impl std::fmt::Display) -> Result<(), CgroupError> {
    let value = value.to_string();
    fs::write(&path, &value).map_err(|source| CgroupError::Write {
        path,
        value,
        source,
    })
}

fn read_u64(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn keyed(path: &Path, key: &str) -> Option<u64> {
    fs::read_to_string(path).ok()?.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}
