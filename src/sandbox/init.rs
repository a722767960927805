//! `pyexec __sandbox-init`: the first moments of a sandbox slot, in one readable sequence.
//!
//! The executor starts this process (as the sandbox uid when it runs as root) with the request
//! pipe on stdin and the reply pipe on stdout. It reads one setup frame, then:
//!
//! 1. unshares user, mount, network, IPC and UTS namespaces and maps its own uid to root inside;
//! 2. makes every mount private and builds a new root on a small tmpfs holding only the Python
//!    runtime (bind-mounted read-only, nosuid, nodev), `/dev/{null,zero,random,urandom}`
//!    (read-only binds: usable as devices, their inodes unchangeable), the
//!    zygote's files under `/sandbox` and an empty `/work`;
//! 3. pivots into it, detaches the old root and remounts the new one read-only;
//! 4. execs the Python zygote with an empty environment.
//!
//! The per-execution layers (PID and mount namespaces, tmpfs work folder, cgroup, rlimits,
//! landlock, capabilities, no_new_privs, seccomp) are applied by each forked child, in
//! `python/lockdown.py`, because they must not constrain the zygote that forks the next one.
//!
//! This runs single-threaded, before any runtime starts: `unshare(CLONE_NEWUSER)` refuses a
//! multi-threaded caller.

use std::ffi::CString;
use std::fs::{self, File};
use std::io::Read;
use std::os::fd::FromRawFd;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::unistd::{chdir, execve, pivot_root, sethostname, Gid, Uid};
use serde::{Deserialize, Serialize};

/// Everything the slot needs, sent by the executor as the first frame on stdin.
#[derive(Debug, Serialize, Deserialize)]
pub struct Setup {
    /// The interpreter, as a path on the host (also its path inside the sandbox).
    pub python: PathBuf,
    /// Host paths made visible read-only at the same place inside (files or folders).
    pub runtime_paths: Vec<PathBuf>,
    /// Files written under `/sandbox` in the new root: `zygote.py`, `lockdown.py`, `guards.py`,
    /// `config.json`,
    /// `seccomp.bpf`.
    pub files: Vec<(String, Vec<u8>)>,
    pub hostname: String,
    /// Size of the root tmpfs (holds only the folders and `/sandbox`).
    pub root_size_kb: u64,
    /// A host folder bound read-write at `/work` and shared by the slot's executions (the
    /// heavy runner's output folder); `None` gives each execution its own tmpfs instead.
    #[serde(default)]
    pub work_dir: Option<PathBuf>,
    /// Mount a procfs of the slot's PID namespace at `/proc` (native data libraries need
    /// `/proc/self/maps`); none by default.
    #[serde(default)]
    pub proc: bool,
}

const NEW_ROOT: &str = "/tmp";
const DEVICES: [&str; 4] = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"];

pub fn run() -> anyhow::Result<std::convert::Infallible> {
    let setup = read_setup().context("reading the setup frame")?;
    let uid = Uid::current();
    let gid = Gid::current();
    unshare(
        CloneFlags::CLONE_NEWUSER
            | CloneFlags::CLONE_NEWNS
            | CloneFlags::CLONE_NEWNET
            | CloneFlags::CLONE_NEWIPC
            | CloneFlags::CLONE_NEWUTS,
    )
    .context("unshare user, mount, network, IPC and UTS namespaces")?;
    fs::write("/proc/self/setgroups", "deny").context("deny setgroups")?;
    fs::write("/proc/self/uid_map", format!("0 {uid} 1")).context("write uid_map")?;
    fs::write("/proc/self/gid_map", format!("0 {gid} 1")).context("write gid_map")?;
    sethostname(&setup.hostname).context("set hostname")?;

    // The zygote becomes PID 1 of the slot's own PID namespace: after each execution it kills
    // every other process in it (`kill(-1)`), so nothing an execution started outlives it,
    // and nothing inside can signal it (init ignores signals it has no handler for). It
    // builds its own root, so that a procfs mounted there shows its namespace, not the host's.
    unshare(CloneFlags::CLONE_NEWPID).context("unshare the PID namespace")?;
    // SAFETY: this process is single-threaded (nothing has started a thread), so the child may
    // run arbitrary code after fork.
    match unsafe { nix::unistd::fork() }.context("fork the zygote")? {
        nix::unistd::ForkResult::Parent { child } => wait_for(child),
        nix::unistd::ForkResult::Child => {
            // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a flag on this process.
            if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
                bail!("PR_SET_PDEATHSIG: {}", std::io::Error::last_os_error());
            }
            build_root(&setup)?;
            exec_zygote(&setup)
        }
    }
}

/// The slot's root: a small tmpfs with only the runtime (read-only), `/dev` nodes, the
/// zygote's files and `/work`, pivoted into and remounted read-only.
fn build_root(setup: &Setup) -> anyhow::Result<()> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .context("make mounts private")?;
    // The work folder may sit under the new root's mount point (/tmp): hold it by an fd now
    // and bind it through /proc/self/fd once the root is built.
    let work_fd = match &setup.work_dir {
        Some(dir) => Some(
            nix::fcntl::open(
                dir.as_path(),
                nix::fcntl::OFlag::O_PATH
                    | nix::fcntl::OFlag::O_DIRECTORY
                    | nix::fcntl::OFlag::O_CLOEXEC,
                nix::sys::stat::Mode::empty(),
            )
            .with_context(|| format!("open the work folder {}", dir.display()))?,
        ),
        None => None,
    };
    mount(
        Some("tmpfs"),
        NEW_ROOT,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(format!("size={}k,mode=0755", setup.root_size_kb).as_str()),
    )
    .context("mount the new root")?;
    let root = Path::new(NEW_ROOT);
    let mut paths = setup.runtime_paths.clone();
    paths.push(setup.python.clone());
    for path in &paths {
        expose(root, path).with_context(|| format!("expose {}", path.display()))?;
    }
    // Device nodes read-only: reading and writing the device still work (a read-only mount
    // does not stop I/O on a device), but its inode (timestamps, mode, owner) cannot change.
    for device in DEVICES {
        bind(root, Path::new(device), Bind::Device).with_context(|| format!("expose {device}"))?;
    }
    // Mount point for the heavy tier's procfs (mounted by the zygote, inside its own PID
    // namespace); stays empty otherwise.
    fs::create_dir_all(root.join("proc"))?;
    let sandbox = root.join("sandbox");
    fs::create_dir_all(&sandbox)?;
    for (name, contents) in &setup.files {
        if name.contains('/') {
            bail!("bad sandbox file name {name}");
        }
        fs::write(sandbox.join(name), contents)?;
    }
    let work = root.join("work");
    fs::create_dir_all(&work)?;
    fs::set_permissions(&work, fs::Permissions::from_mode(0o700))?;
    if let Some(fd) = &work_fd {
        use std::os::fd::AsRawFd as _;
        let source = format!("/proc/self/fd/{}", fd.as_raw_fd());
        mount(
            Some(source.as_str()),
            &work,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .context("bind the work folder")?;
        mount(
            None::<&str>,
            &work,
            None::<&str>,
            MsFlags::MS_REMOUNT
                | MsFlags::MS_BIND
                | MsFlags::MS_NOSUID
                | MsFlags::MS_NODEV
                | MsFlags::MS_NOEXEC,
            None::<&str>,
        )
        .context("remount the work folder nosuid,nodev,noexec")?;
    }
    drop(work_fd);
    if setup.proc {
        // Allowed only while a fully visible procfs (the host's, in the old root) is still in
        // this mount namespace: before the old root is detached.
        mount(
            Some("proc"),
            &root.join("proc"),
            Some("proc"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            None::<&str>,
        )
        .context("mount /proc for the slot's PID namespace")?;
    }

    chdir(root).context("enter the new root")?;
    pivot_root(".", ".").context("pivot_root")?;
    umount2(".", MntFlags::MNT_DETACH).context("detach the old root")?;
    chdir("/")?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV,
        None::<&str>,
    )
    .context("remount the root read-only")?;
    Ok(())
}

/// Stays outside the PID namespace only to be the zygote's parent: its death kills the zygote
/// (PDEATHSIG), and it exits with the zygote's status.
fn wait_for(child: nix::unistd::Pid) -> anyhow::Result<std::convert::Infallible> {
    use nix::sys::wait::{waitpid, WaitStatus};
    loop {
        match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, code)) => std::process::exit(code),
            Ok(WaitStatus::Signaled(_, signal, _)) => std::process::exit(128 + signal as i32),
            Ok(_) => continue,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(err) => bail!("waiting for the zygote: {err}"),
        }
    }
}

fn exec_zygote(setup: &Setup) -> anyhow::Result<std::convert::Infallible> {
    let python = CString::new(setup.python.as_os_str().as_encoded_bytes())?;
    let args = [
        c"python3".to_owned(),
        c"-I".to_owned(),
        c"-S".to_owned(),
        c"-B".to_owned(),
        c"/sandbox/zygote.py".to_owned(),
    ];
    let env = [
        c"LANG=C.UTF-8".to_owned(),
        c"PYTHONIOENCODING=utf-8".to_owned(),
    ];
    execve(&python, &args, &env).context("exec the Python zygote")?;
    bail!("execve returned without an error")
}

fn read_setup() -> anyhow::Result<Setup> {
    // SAFETY: fd 0 is this process's stdin, open for its whole life; wrapping it in a
    // ManuallyDrop'd File reads exactly the frame, without a buffer that could swallow the
    // zygote's first request, and never closes it.
    let mut stdin = std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(0) });
    let mut header = [0u8; 4];
    stdin.read_exact(&mut header)?;
    let len = u32::from_be_bytes(header) as usize;
    if len > 16 << 20 {
        bail!("setup frame of {len} bytes is too large");
    }
    let mut body = vec![0u8; len];
    stdin.read_exact(&mut body)?;
    Ok(serde_json::from_slice(&body)?)
}

/// Makes host `path` visible read-only at the same place under `root`. A symlink is recreated
/// as it is and not followed: its target must be listed too (`/lib64 -> usr/lib64`), so the
/// runtime's view never grows past the list.
fn expose(root: &Path, path: &Path) -> anyhow::Result<()> {
    // A runtime path this host lacks (no time zone database, say) is left out: the sandbox
    // then sees less, never more, and the self-test fails if the interpreter needed it.
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err.into()),
    };
    if meta.file_type().is_symlink() {
        let target = fs::read_link(path)?;
        let inside = inside(root, path);
        if let Some(parent) = inside.parent() {
            fs::create_dir_all(parent)?;
        }
        if fs::symlink_metadata(&inside).is_err() {
            symlink(&target, &inside)?;
        }
        return Ok(());
    }
    bind(root, path, Bind::ReadOnly)
}

/// How a host path is bound into the slot's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bind {
    /// Read-only, no device nodes honoured: the runtime.
    ReadOnly,
    /// Read-only, the node usable as a device: `/dev/null` and friends.
    Device,
}

fn inside(root: &Path, path: &Path) -> PathBuf {
    root.join(path.strip_prefix("/").unwrap_or(path))
}

fn bind(root: &Path, path: &Path, how: Bind) -> anyhow::Result<()> {
    let target = inside(root, path);
    if fs::symlink_metadata(&target).is_ok() {
        return Ok(());
    }
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    if fs::metadata(path)?.is_dir() {
        fs::create_dir_all(&target)?;
    } else {
        File::create(&target)?;
    }
    mount(
        Some(path),
        &target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )?;
    let mut flags =
        MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_NOSUID | MsFlags::MS_RDONLY;
    if how == Bind::ReadOnly {
        flags |= MsFlags::MS_NODEV;
    }
    // Flags the source mount has (noexec, nodev...) are locked inside a user namespace and
    // must be kept on the remount.
    let stat = nix::sys::statvfs::statvfs(path)?;
    let locked = stat.flags();
    if locked.contains(nix::sys::statvfs::FsFlags::ST_NOEXEC) {
        flags |= MsFlags::MS_NOEXEC;
    }
    if locked.contains(nix::sys::statvfs::FsFlags::ST_NODEV) {
        flags |= MsFlags::MS_NODEV;
    }
    if locked.contains(nix::sys::statvfs::FsFlags::ST_RDONLY) {
        flags |= MsFlags::MS_RDONLY;
    }
    mount(None::<&str>, &target, None::<&str>, flags, None::<&str>)?;
    Ok(())
}
