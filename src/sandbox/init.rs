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
    /// A host folder bound read-only at `/input` (a heavy job's staged inputs). With a work
    /// folder and no input folder, `/input` is an empty folder.
    #[serde(default)]
    pub input_dir: Option<PathBuf>,
    /// Mount a procfs of the slot's PID namespace at `/proc` (native data libraries need
    /// `/proc/self/maps`); none by default.
    #[serde(default)]
    pub proc: bool,
}

/// Why a slot could not start. Each step names what it was doing; the OS error is the source.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{step}")]
    Step {
        step: String,
        #[source]
        source: std::io::Error,
    },
    #[error("setup frame of {len} bytes is too large")]
    FrameTooLarge { len: usize },
    #[error("cannot decode the setup frame")]
    Decode(#[source] serde_json::Error),
    #[error("bad sandbox file name {name}")]
    BadFileName { name: String },
    #[error("interpreter path {} contains a NUL byte", .path.display())]
    PythonPath {
        path: PathBuf,
        #[source]
        source: std::ffi::NulError,
    },
    #[error("execve returned without an error")]
    ExecReturned,
}

/// Names the step an OS call was part of (`.step("pivot_root")?`), for `InitError::Step`.
trait Step<T> {
    fn step(self, step: impl Into<String>) -> Result<T, InitError>;
}

impl<T, E: Into<std::io::Error>> Step<T> for Result<T, E> {
    fn step(self, step: impl Into<String>) -> Result<T, InitError> {
        self.map_err(|source| InitError::Step {
            step: step.into(),
            source: source.into(),
        })
    }
}

const NEW_ROOT: &str = "/tmp";
const DEVICES: [&str; 4] = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"];

pub fn run() -> Result<std::convert::Infallible, InitError> {
    let setup = read_setup()?;
    let uid = Uid::current();
    let gid = Gid::current();
    unshare(
        CloneFlags::CLONE_NEWUSER
            | CloneFlags::CLONE_NEWNS
            | CloneFlags::CLONE_NEWNET
            | CloneFlags::CLONE_NEWIPC
            | CloneFlags::CLONE_NEWUTS,
    )
    .step("unshare user, mount, network, IPC and UTS namespaces")?;
    fs::write("/proc/self/setgroups", "deny").step("deny setgroups")?;
    fs::write("/proc/self/uid_map", format!("0 {uid} 1")).step("write uid_map")?;
    fs::write("/proc/self/gid_map", format!("0 {gid} 1")).step("write gid_map")?;
    sethostname(&setup.hostname).step("set hostname")?;

    // The zygote becomes PID 1 of the slot's own PID namespace: after each execution it kills
    // every other process in it (`kill(-1)`), so nothing an execution started outlives it,
    // and nothing inside can signal it (init ignores signals it has no handler for). It
    // builds its own root, so that a procfs mounted there shows its namespace, not the host's.
    unshare(CloneFlags::CLONE_NEWPID).step("unshare the PID namespace")?;
    // SAFETY: this process is single-threaded (nothing has started a thread), so the child may
    // run arbitrary code after fork.
    match unsafe { nix::unistd::fork() }.step("fork the zygote")? {
        nix::unistd::ForkResult::Parent { child } => wait_for(child),
        nix::unistd::ForkResult::Child => {
            // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a flag on this process.
            if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
                return Err(std::io::Error::last_os_error()).step("PR_SET_PDEATHSIG");
            }
            build_root(&setup)?;
            exec_zygote(&setup)
        }
    }
}

/// The slot's root: a small tmpfs with only the runtime (read-only), `/dev` nodes, the
/// zygote's files and `/work`, pivoted into and remounted read-only.
fn build_root(setup: &Setup) -> Result<(), InitError> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .step("make mounts private")?;
    // The work folder may sit under the new root's mount point (/tmp): hold it by an fd now
    // and bind it through /proc/self/fd once the root is built. A symbolic link in its
    // place is refused (O_NOFOLLOW with O_DIRECTORY), never followed to another folder.
    let work_fd = hold(setup.work_dir.as_deref(), "work")?;
    let input_fd = hold(setup.input_dir.as_deref(), "input")?;
    mount(
        Some("tmpfs"),
        NEW_ROOT,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(format!("size={}k,mode=0755", setup.root_size_kb).as_str()),
    )
    .step("mount the new root")?;
    let root = Path::new(NEW_ROOT);
    let mut paths = setup.runtime_paths.clone();
    paths.push(setup.python.clone());
    for path in &paths {
        expose(root, path).step(format!("expose {}", path.display()))?;
    }
    for path in &setup.runtime_paths {
        mask_test_modules(root, path).step(format!("hide test modules in {}", path.display()))?;
    }
    // Device nodes read-only: reading and writing the device still work (a read-only mount
    // does not stop I/O on a device), but its inode (timestamps, mode, owner) cannot change.
    for device in DEVICES {
        bind(root, Path::new(device), Bind::Device).step(format!("expose {device}"))?;
    }
    // Mount point for the heavy tier's procfs (mounted by the zygote, inside its own PID
    // namespace); stays empty otherwise.
    fs::create_dir_all(root.join("proc")).step("create /proc in the new root")?;
    let sandbox = root.join("sandbox");
    fs::create_dir_all(&sandbox).step("create /sandbox in the new root")?;
    for (name, contents) in &setup.files {
        if name.contains('/') {
            return Err(InitError::BadFileName { name: name.clone() });
        }
        fs::write(sandbox.join(name), contents).step(format!("write /sandbox/{name}"))?;
    }
    let work = root.join("work");
    fs::create_dir_all(&work).step("create /work in the new root")?;
    fs::set_permissions(&work, fs::Permissions::from_mode(0o700)).step("make /work private")?;
    if let Some(fd) = &work_fd {
        bind_held(fd, &work, MsFlags::empty(), "work")?;
    }
    drop(work_fd);
    if setup.work_dir.is_some() {
        let input = root.join("input");
        fs::create_dir_all(&input).step("create /input in the new root")?;
        if let Some(fd) = &input_fd {
            bind_held(fd, &input, MsFlags::MS_RDONLY, "input")?;
        }
    }
    drop(input_fd);
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
        .step("mount /proc for the slot's PID namespace")?;
    }

    chdir(root).step("enter the new root")?;
    pivot_root(".", ".").step("pivot_root")?;
    umount2(".", MntFlags::MNT_DETACH).step("detach the old root")?;
    chdir("/").step("enter /")?;
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
    .step("remount the root read-only")?;
    Ok(())
}

/// Opens the host folder `dir` (the `what` folder) to bind later: a symbolic link in its
/// place is refused (`O_NOFOLLOW` with `O_DIRECTORY`), never followed to another folder.
fn hold(dir: Option<&Path>, what: &str) -> Result<Option<std::os::fd::OwnedFd>, InitError> {
    let Some(dir) = dir else {
        return Ok(None);
    };
    nix::fcntl::open(
        dir,
        nix::fcntl::OFlag::O_PATH
            | nix::fcntl::OFlag::O_DIRECTORY
            | nix::fcntl::OFlag::O_NOFOLLOW
            | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map(Some)
    .step(format!("open the {what} folder {}", dir.display()))
}

/// Binds the folder held by `fd` at `target`, then remounts it `nosuid,nodev,noexec` and
/// `extra` (`MS_RDONLY` for the inputs).
fn bind_held(
    fd: &std::os::fd::OwnedFd,
    target: &Path,
    extra: MsFlags,
    what: &str,
) -> Result<(), InitError> {
    use std::os::fd::AsRawFd as _;
    let source = format!("/proc/self/fd/{}", fd.as_raw_fd());
    mount(
        Some(source.as_str()),
        target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .step(format!("bind the {what} folder"))?;
    mount(
        None::<&str>,
        target,
        None::<&str>,
        MsFlags::MS_REMOUNT
            | MsFlags::MS_BIND
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV
            | MsFlags::MS_NOEXEC
            | extra,
        None::<&str>,
    )
    .step(format!("remount the {what} folder nosuid,nodev,noexec"))?;
    Ok(())
}

/// Stays outside the PID namespace only to be the zygote's parent: its death kills the zygote
/// (PDEATHSIG), and it exits with the zygote's status.
fn wait_for(child: nix::unistd::Pid) -> Result<std::convert::Infallible, InitError> {
    use nix::sys::wait::{waitpid, WaitStatus};
    loop {
        match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, code)) => std::process::exit(code),
            Ok(WaitStatus::Signaled(_, signal, _)) => std::process::exit(128 + signal as i32),
            Ok(_) => continue,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(err) => return Err(err).step("wait for the zygote"),
        }
    }
}

fn exec_zygote(setup: &Setup) -> Result<std::convert::Infallible, InitError> {
    let python = CString::new(setup.python.as_os_str().as_encoded_bytes()).map_err(|source| {
        InitError::PythonPath {
            path: setup.python.clone(),
            source,
        }
    })?;
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
        // numba compiles array indexing without bounds checks unless told: an index past
        // the end would read and write the process's memory from njit code. numba is not in
        // the heavy runtime any more (its `a.flat[i]` is unchecked even so); kept for an
        // image that adds it back.
        c"NUMBA_BOUNDSCHECK=1".to_owned(),
    ];
    execve(&python, &args, &env).step("exec the Python zygote")?;
    Err(InitError::ExecReturned)
}

fn read_setup() -> Result<Setup, InitError> {
    // SAFETY: fd 0 is this process's stdin, open for its whole life; wrapping it in a
    // ManuallyDrop'd File reads exactly the frame, without a buffer that could swallow the
    // zygote's first request, and never closes it.
    let mut stdin = std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(0) });
    let mut header = [0u8; 4];
    stdin
        .read_exact(&mut header)
        .step("read the setup frame's length")?;
    let len = u32::from_be_bytes(header) as usize;
    if len > 16 << 20 {
        return Err(InitError::FrameTooLarge { len });
    }
    let mut body = vec![0u8; len];
    stdin.read_exact(&mut body).step("read the setup frame")?;
    serde_json::from_slice(&body).map_err(InitError::Decode)
}

/// Makes host `path` visible read-only at the same place under `root`. A symlink is recreated
/// as it is and not followed: its target must be listed too (`/lib64 -> usr/lib64`), so the
/// runtime's view never grows past the list.
fn expose(root: &Path, path: &Path) -> std::io::Result<()> {
    // A runtime path this host lacks (no time zone database, say) is left out: the sandbox
    // then sees less, never more, and the self-test fails if the interpreter needed it.
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
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

/// File names of CPython's test and example extension modules: `_testcapi` runs code in a
/// sub-interpreter that has no audit hook, `_testinternalcapi` and `_ctypes_test` reach memory
/// directly. No program needs them.
const TEST_MODULE_PREFIXES: &[&str] = &["_test", "_xx", "xx", "_ctypes_test"];

/// Covers every test extension module in the runtime's `lib-dynload` folders (at `path` or
/// one level below it: `/usr/lib/python3.11/lib-dynload`) with `/dev/null`, bound read-only
/// and without device semantics: loading one fails, under any name and by any loader.
fn mask_test_modules(root: &Path, path: &Path) -> std::io::Result<()> {
    let mut folders = vec![path.join("lib-dynload")];
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with("python3") {
                folders.push(entry.path().join("lib-dynload"));
            }
        }
    }
    for folder in folders {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !name.ends_with(".so") || !TEST_MODULE_PREFIXES.iter().any(|p| name.starts_with(p)) {
                continue;
            }
            let target = inside(root, &entry.path());
            if !fs::symlink_metadata(&target).is_ok_and(|m| m.is_file()) {
                continue;
            }
            mount(
                Some("/dev/null"),
                &target,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(std::io::Error::from)?;
            mount(
                None::<&str>,
                &target,
                None::<&str>,
                MsFlags::MS_REMOUNT
                    | MsFlags::MS_BIND
                    | MsFlags::MS_RDONLY
                    | MsFlags::MS_NOSUID
                    | MsFlags::MS_NODEV
                    | MsFlags::MS_NOEXEC,
                None::<&str>,
            )
            .map_err(std::io::Error::from)?;
        }
    }
    Ok(())
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

fn bind(root: &Path, path: &Path, how: Bind) -> std::io::Result<()> {
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
    )
    .map_err(std::io::Error::from)?;
    let mut flags =
        MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_NOSUID | MsFlags::MS_RDONLY;
    if how == Bind::ReadOnly {
        flags |= MsFlags::MS_NODEV;
    }
    // Flags the source mount has (noexec, nodev...) are locked inside a user namespace and
    // must be kept on the remount.
    let stat = nix::sys::statvfs::statvfs(path).map_err(std::io::Error::from)?;
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
    mount(None::<&str>, &target, None::<&str>, flags, None::<&str>).map_err(std::io::Error::from)
}
