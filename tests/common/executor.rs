//! The executor service as a test sees it: the real binary on port 0 (started by
//! [`super::app::spawn`]), real HTTP on 127.0.0.1, sandboxes running as a uid of the test's own
//! so that processes left behind can be counted without seeing other tests'.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::app::{spawn, App, Options, Role};
use super::poll;

/// The executor role with its helpers: an [`App`] (through `Deref`) whose pool has two slots
/// unless `PYEXEC_EXECUTOR__POOL_SIZE` says otherwise.
pub struct Service(App);

impl Deref for Service {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

impl DerefMut for Service {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.0
    }
}

/// A block of sandbox uids held by this test process alone (slot `n` of a pool runs as
/// `uid + n`): an exclusive lock on a file named after the block's first uid, kept while the
/// service runs, so tests in parallel processes (nextest) never share one.
pub struct UidLock {
    pub uid: u32,
    _lock: nix::fcntl::Flock<std::fs::File>,
}

static NEXT_UID: AtomicU32 = AtomicU32::new(0);
/// Uids per block: the largest pool a test starts.
pub const UID_BLOCK: u32 = 8;
const BLOCKS: u32 = 3000 / UID_BLOCK;

impl UidLock {
    pub fn take() -> Self {
        let dir = std::env::temp_dir().join("pyexec-test-uids");
        std::fs::create_dir_all(&dir).expect("uid lock folder");
        let start = (std::process::id() * 7 + NEXT_UID.fetch_add(1, Ordering::SeqCst)) % BLOCKS;
        for offset in 0..BLOCKS {
            let uid = 70000 + ((start + offset) % BLOCKS) * UID_BLOCK;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(uid.to_string()))
                .expect("uid lock file");
            if let Ok(lock) =
                nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
            {
                return Self { uid, _lock: lock };
            }
        }
        panic!("no free test uid block in 70000..73000");
    }
}

impl Service {
    pub fn start(extra_args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_with_fd_limit(extra_args, env, None)
    }

    /// As `start`, with the service's soft and hard RLIMIT_NOFILE set to `fds`.
    pub fn start_with_fd_limit(
        extra_args: &[&str],
        env: &[(&str, &str)],
        fds: Option<u64>,
    ) -> Self {
        let pool_size = env
            .iter()
            .find(|(k, _)| *k == "PYEXEC_EXECUTOR__POOL_SIZE")
            .map_or(2, |(_, v)| v.parse().expect("pool size"));
        let options = Options::default()
            .args(extra_args)
            .env(env)
            .pool_size(pool_size)
            .fd_limit(fds);
        Self::with(options)
    }

    /// The executor role started with `options`.
    pub fn with(options: Options) -> Self {
        Self(spawn(Role::Executor, options))
    }

    /// Starts `import time; time.sleep(secs); print(tag)` on a thread and returns once it
    /// holds a slot (health shows one busy); the thread answers its status and result.
    pub fn occupy(&self, secs: f64, tag: &str) -> std::thread::JoinHandle<(u16, Value)> {
        let url = self.url("/api/v1/execute_snippet");
        let code = format!("import time\ntime.sleep({secs})\nprint({tag:?})");
        let timeout = secs + 5.0;
        let slow = std::thread::spawn(move || {
            post_json(
                &url,
                &serde_json::json!({"code": code, "limits": {"timeout_secs": timeout}}),
            )
        });
        self.wait_one_busy(Duration::from_secs(10), "the slow execution never started");
        slow
    }

    pub fn execute(&self, body: &Value) -> (u16, Value) {
        post_json(&self.url("/api/v1/execute_snippet"), body)
    }

    /// Live (not zombie) processes running as this service's sandbox uid.
    pub fn sandbox_processes(&self) -> usize {
        processes_of(self.uid)
    }

    pub fn wait_busy(&self) {
        self.wait_one_busy(Duration::from_secs(5), "the execution never started");
    }

    /// Waits until health shows one slot busy, panicking with `failure` after `within`.
    fn wait_one_busy(&self, within: Duration, failure: &str) {
        poll(within, Duration::from_millis(10), || {
            if self.health()["pool"]["busy"] == 1 {
                Ok(())
            } else {
                Err(failure.to_owned())
            }
        });
    }

    /// SIGKILLs every sandbox process of this service: each slot's init, zygote and child.
    /// Returns once they are gone (the supervisor may already have started replacements).
    pub fn kill_sandboxes(&self) {
        let pids = pids_of(self.uid);
        assert!(!pids.is_empty(), "no sandbox processes to kill");
        for &pid in &pids {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        poll(Duration::from_secs(5), Duration::from_millis(10), || {
            if pids_of(self.uid).iter().any(|p| pids.contains(p)) {
                Err("sandbox processes survived SIGKILL".to_owned())
            } else {
                Ok(())
            }
        });
    }
}

pub fn processes_of(uid: u32) -> usize {
    pids_of(uid).len()
}

/// Live (not zombie) processes running as a uid of the block that starts at `uid`.
pub fn pids_of(uid: u32) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let zombie = status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'));
        let owner = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|u| u.parse::<u32>().ok());
        if owner.is_some_and(|o| (uid..uid + UID_BLOCK).contains(&o)) && !zombie {
            if let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
                pids.push(pid);
            }
        }
    }
    pids
}

pub fn post_json(url: &str, body: &Value) -> (u16, Value) {
    post_raw(url, body.to_string().as_bytes(), &[])
}

pub fn post_raw(url: &str, body: &[u8], headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = ureq::post(url).set("content-type", "application/json");
    for (k, v) in headers {
        request = request.set(k, v);
    }
    match request.send_bytes(body) {
        Ok(response) => (response.status(), response.into_json().expect("JSON body")),
        Err(ureq::Error::Status(code, response)) => {
            (code, response.into_json().expect("JSON error body"))
        }
        Err(err) => panic!("transport error: {err}"),
    }
}

/// Live sandbox processes when every slot is ready: per slot, the init process waiting on its
/// zygote, the zygote, and the child it prepared for the next request.
pub fn steady(service: &Service) -> usize {
    service.pool_size * 3
}

/// Waits for every slot to be ready again (its next child prepared) and returns the number of
/// sandbox processes then: anything above `steady` outlived its execution.
pub fn settle(service: &Service) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let ready = service.health()["pool"]["ready"].as_u64() == Some(service.pool_size as u64);
        let count = service.sandbox_processes();
        if (ready && count == steady(service)) || Instant::now() > deadline {
            return count;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
