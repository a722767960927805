//! Leftovers of pyexec processes that died without cleaning up (`kill -9`, a crash, the
//! machine's OOM killer): their cgroups and the runners' temporary work folders.
//!
//! Every executor and every runner creates a cgroup `pyexec-{its pid}` (with `slot-N`
//! children) under each cgroup v1 controller it uses, or under its parent cgroup on v2 (see
//! `sandbox/cgroup.rs`), and every runner a work folder `pyexec-job-{pid}-{start time}-*` in
//! the temporary folder (see `runner.rs`). Their names say who owns them, so what a dead
//! process left can be told from what a live one uses:
//!
//! - a `pyexec-{pid}` cgroup whose pid no running process has (none, or a zombie) is
//!   removed: processes still in it (or
//!   in its children) are killed first, then the children and the cgroup are removed;
//! - a `pyexec-job-{pid}-{start}-*` folder whose runner (that pid with that start time) no
//!   longer runs is removed.
//!
//! Nothing else is touched, and nothing whose owner is alive. A pid reused by another
//! process keeps a cgroup until that process ends too: erring on the side of keeping.
//! The pids are this PID namespace's: executors in other PID namespaces must not share the
//! cgroup hierarchy or the temporary folder with this one.

use std::fs;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::process::{self, ProcessId};

/// Cgroup v1 controllers pyexec creates cgroups under (as `sandbox/cgroup.rs` does).
const V1_CONTROLLERS: [&str; 3] = ["memory", "pids", "cpu"];

/// What a reclaim removed, and what it could not.
#[derive(Debug, Default)]
pub struct Reclaimed {
    pub removed: Vec<PathBuf>,
    pub failed: Vec<(PathBuf, std::io::Error)>,
}

/// Removes the cgroups under `cgroup_root` and the runner work folders under `temp_dir`
/// whose owning process is dead. Never fails as a whole: what cannot be removed is listed
/// in [`Reclaimed::failed`] (and logged).
pub fn reclaim(cgroup_root: &Path, temp_dir: &Path) -> Reclaimed {
    let mut reclaimed = Reclaimed::default();
    for base in cgroup_bases(cgroup_root) {
        for (path, pid) in matching(&base, cgroup_owner) {
            if !process::is_running(pid) {
                remove_cgroup(&path, &mut reclaimed);
            }
        }
    }
    for (path, owner) in matching(temp_dir, work_folder_owner) {
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if is_dir && !owner.is_alive() {
            // A runner's input folder is left read-only (0555): opened up to be emptied,
            // through the folder itself (never a link swapped in since the check).
            if let Ok(dir) = fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
                .open(&path)
            {
                let _ = dir.set_permissions(
                    <fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o700),
                );
            }
            match fs::remove_dir_all(&path) {
                Ok(()) => reclaimed.removed.push(path),
                Err(err) => reclaimed.failed.push((path, err)),
            }
        }
    }
    for path in &reclaimed.removed {
        tracing::info!(path = %path.display(), "removed a leftover of a dead pyexec process");
    }
    for (path, err) in &reclaimed.failed {
        tracing::warn!(path = %path.display(), error = %crate::telemetry::error_chain(&err), "cannot remove a leftover of a dead pyexec process");
    }
    reclaimed
}

/// The pid of a cgroup named exactly `pyexec-{pid}`.
fn cgroup_owner(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("pyexec-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The runner of a work folder named `pyexec-job-{pid}-{start time}-{random}`.
pub fn work_folder_owner(name: &str) -> Option<ProcessId> {
    let mut parts = name.strip_prefix("pyexec-job-")?.splitn(3, '-');
    let number = |text: &str| {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let pid = number(parts.next()?)?;
    let start_time = number(parts.next()?)?;
    parts.next()?;
    Some(ProcessId {
        pid: u32::try_from(pid).ok()?,
        start_time,
    })
}

/// The entries of `dir` whose names `owner` understands, with their owner.
fn matching<T>(dir: &Path, owner: impl Fn(&str) -> Option<T>) -> Vec<(PathBuf, T)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let owner = owner(name.to_str()?)?;
            Some((e.path(), owner))
        })
        .collect()
}

/// The folders `pyexec-{pid}` cgroups are created in: each v1 controller's root, or on v2
/// the parent of this process's cgroup (runners and executors started from the same place
/// share it).
fn cgroup_bases(root: &Path) -> Vec<PathBuf> {
    if root.join("cgroup.controllers").exists() {
        let own = fs::read_to_string("/proc/self/cgroup")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("0::"))
                    .map(str::to_owned)
            });
        return match own.as_deref() {
            Some("/") => vec![root.to_owned()],
            Some(relative) => {
                let own = root.join(relative.trim_start_matches('/'));
                vec![own.parent().map_or(own.clone(), Path::to_path_buf)]
            }
            None => Vec::new(),
        };
    }
    V1_CONTROLLERS
        .iter()
        .map(|c| root.join(c))
        .filter(|p| p.join("cgroup.procs").exists())
        .collect()
}

/// Kills whatever is still in the cgroup at `path` and its children, then removes them,
/// children first.
fn remove_cgroup(path: &Path, reclaimed: &mut Reclaimed) {
    let mut dirs = Vec::new();
    subtree(path, &mut dirs);
    // Children come after their parent in `dirs`; removal goes the other way.
    dirs.reverse();
    // cgroup v2 kills a whole subtree in one write (kernel 5.14+); never create the file.
    let _ = fs::OpenOptions::new()
        .write(true)
        .open(path.join("cgroup.kill"))
        .and_then(|mut file| std::io::Write::write_all(&mut file, b"1"));
    let own = std::process::id();
    for _ in 0..50 {
        let pids: Vec<u32> = dirs
            .iter()
            .filter_map(|d| fs::read_to_string(d.join("cgroup.procs")).ok())
            .flat_map(|text| {
                text.lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .collect::<Vec<u32>>()
            })
            .filter(|pid| *pid > 1 && *pid != own)
            .collect();
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            if let Ok(pid) = i32::try_from(pid) {
                tracing::info!(pid, cgroup = %path.display(), "killing a process left in a dead pyexec process's cgroup");
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for dir in dirs {
        // A killed process leaves its cgroup a moment after it dies: retry briefly.
        let mut outcome = fs::remove_dir(&dir);
        for _ in 0..50 {
            match &outcome {
                Err(err) if err.raw_os_error() == Some(libc::EBUSY) => {
                    std::thread::sleep(Duration::from_millis(10));
                    outcome = fs::remove_dir(&dir);
                }
                _ => break,
            }
        }
        match outcome {
            Ok(()) => reclaimed.removed.push(dir),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => reclaimed.failed.push((dir, err)),
        }
    }
}

/// `dir` and every folder under it, parents before children.
fn subtree(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_owned());
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                subtree(&entry.path(), out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{cgroup_owner, reclaim, work_folder_owner};
    use crate::jobs::process::ProcessId;

    #[test]
    fn only_the_exact_name_patterns_have_owners() {
        assert_eq!(cgroup_owner("pyexec-123"), Some(123));
        for name in [
            "pyexec-",
            "pyexec-12a",
            "pyexec-job-1-2-x",
            "pyexec-1/slot-0",
            "x-1",
        ] {
            assert_eq!(cgroup_owner(name), None, "{name}");
        }
        assert_eq!(
            work_folder_owner("pyexec-job-42-777-Ab3x"),
            Some(ProcessId {
                pid: 42,
                start_time: 777
            })
        );
        for name in [
            "pyexec-job-abc123",
            "pyexec-job-42-777",
            "pyexec-job--1-x",
            "pyexec-42",
        ] {
            assert_eq!(work_folder_owner(name), None, "{name}");
        }
    }

    /// A fake v1 hierarchy (plain folders) and temporary folder: dead owners' entries go,
    /// live owners' entries and other names stay.
    #[test]
    fn leftovers_of_dead_owners_go_and_the_rest_stays() {
        let root = tempfile::tempdir().expect("tempdir");
        let cgroups = root.path().join("cgroup");
        let tmp = root.path().join("tmp");
        let me = ProcessId::current().expect("own stat");
        let dead_pid = 999_999_999u32;
        for controller in ["memory", "pids", "cpu"] {
            let base = cgroups.join(controller);
            std::fs::create_dir_all(base.join(format!("pyexec-{dead_pid}/slot-0"))).expect("mkdir");
            std::fs::create_dir_all(base.join(format!("pyexec-{}", me.pid))).expect("mkdir");
            std::fs::create_dir_all(base.join("pyexec-other")).expect("mkdir");
            std::fs::write(base.join("cgroup.procs"), "").expect("procs");
        }
        let dead_work = tmp.join(format!("pyexec-job-{dead_pid}-5-abc"));
        let recycled = tmp.join(format!("pyexec-job-{}-{}-abc", me.pid, me.start_time + 1));
        let live = tmp.join(format!("pyexec-job-{}-{}-abc", me.pid, me.start_time));
        let unrelated = tmp.join("pyexec-job-Xy12ab");
        for dir in [&dead_work, &recycled, &live, &unrelated] {
            std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        }
        let reclaimed = reclaim(&cgroups, &tmp);
        assert!(reclaimed.failed.is_empty(), "{:?}", reclaimed.failed);
        for controller in ["memory", "pids", "cpu"] {
            let base = cgroups.join(controller);
            assert!(!base.join(format!("pyexec-{dead_pid}")).exists());
            assert!(base.join(format!("pyexec-{}", me.pid)).exists());
            assert!(base.join("pyexec-other").exists());
        }
        assert!(!dead_work.exists() && !recycled.exists());
        assert!(live.exists() && unrelated.exists());
    }
}
