//! One warm sandbox slot: the `__sandbox-init` process that became the Python zygote, the pipes
//! to it, and its cgroup.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::pipe;

use super::cgroup::{Cgroup, Usage};
use super::init::Setup;

/// Biggest reply accepted from a zygote: two capped outputs and some JSON.
const MAX_REPLY: usize = 64 << 20;
/// How long the zygote may take to fork and lock down a child (it gives up after 10 s).
const PREPARE_TIMEOUT: Duration = Duration::from_secs(15);
/// First cgroup fd number in the slot (0, 1, 2 are the pipes and stderr).
const FIRST_CGROUP_FD: i32 = 3;

/// The limits a child is locked down with before it is handed code: a child prepared with
/// one set of limits only ever runs a request with the same limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    pub timeout: f64,
    pub memory_bytes: u64,
    pub max_pids: u32,
    pub disk_mb: u64,
    pub guards: bool,
    /// Enforced by the cgroup, not sent to the zygote.
    #[serde(skip)]
    pub cpus: f64,
}

/// What the executor asks one execution to do.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: String,
    pub code: String,
    pub max_output: u64,
    pub limits: Limits,
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Message<'a> {
    Prepare { limits: &'a Limits },
    Discard,
    Run(&'a Request),
}

#[derive(Debug, Deserialize)]
struct Prepared {
    prepared: bool,
    error: Option<String>,
}

/// What the zygote reports.
#[derive(Debug, Clone, Deserialize)]
pub struct Reply {
    pub outcome: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub duration_ms: f64,
    pub cpu_ms: f64,
    pub maxrss_kb: u64,
    pub setup_error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Ready {
    ready: bool,
}

pub struct Slot {
    pub index: usize,
    /// `None` only once `kill` has taken it.
    child: Option<Child>,
    /// `None` once `kill` has closed it.
    requests: Option<pipe::Sender>,
    replies: pipe::Receiver,
    pub cgroup: Option<Cgroup>,
    /// The limits of the child the zygote holds ready, if any; the cgroup is set to them.
    prepared: Option<Limits>,
}

pub struct SpawnConfig<'a> {
    pub program: &'a std::path::Path,
    pub setup: &'a Setup,
    pub uid: Option<(u32, u32)>,
    pub start_timeout: Duration,
}

impl Slot {
    pub async fn start(
        index: usize,
        config: &SpawnConfig<'_>,
        cgroup: Option<Cgroup>,
    ) -> anyhow::Result<Self> {
        let cgroup_files = match &cgroup {
            Some(cgroup) => cgroup.procs_files()?,
            None => Vec::new(),
        };
        let (request_read, request_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let (reply_read, reply_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let mut command = Command::new(config.program);
        command
            .arg("__sandbox-init")
            .env_clear()
            .stdin(Stdio::from(request_read))
            .stdout(Stdio::from(reply_write))
            .stderr(Stdio::piped());
        if let Some((uid, gid)) = config.uid {
            command.uid(uid).gid(gid);
        }
        let fds: Vec<i32> = cgroup_files.iter().map(AsRawFd::as_raw_fd).collect();
        // SAFETY: the closure runs in the forked child before exec and only calls dup2, which
        // is async-signal-safe; it touches no locks and allocates nothing (`fds` was built
        // before the fork and is only read).
        unsafe {
            command.pre_exec(move || {
                for (i, fd) in fds.iter().enumerate() {
                    let target = FIRST_CGROUP_FD + i as i32;
                    if libc::dup2(*fd, target) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let mut child = command.spawn().context("start the sandbox slot")?;
        // The child's ends of the pipes live in `command`: close them here, so that a slot
        // that dies is seen at once as a closed pipe.
        drop(command);
        drop(cgroup_files);
        if let Some(stderr) = child.stderr.take() {
            forward_stderr(index, stderr);
        }
        let requests = pipe::Sender::from_owned_fd(request_write)?;
        let replies = pipe::Receiver::from_owned_fd(reply_read)?;
        let mut slot = Self {
            index,
            child: Some(child),
            requests: Some(requests),
            replies,
            cgroup,
            prepared: None,
        };
        let setup = serde_json::to_vec(config.setup)?;
        slot.send(&setup).await?;
        let ready: Ready = match tokio::time::timeout(config.start_timeout, slot.receive()).await {
            Ok(frame) => serde_json::from_slice(&frame.context("the slot did not start")?)?,
            Err(_) => bail!(
                "the slot did not become ready within {:?}",
                config.start_timeout
            ),
        };
        if !ready.ready {
            bail!("the slot reported it is not ready");
        }
        Ok(slot)
    }

    async fn send(&mut self, body: &[u8]) -> anyhow::Result<()> {
        let len = u32::try_from(body.len()).context("frame too large")?;
        let requests = self.requests.as_mut().context("the slot is closed")?;
        requests.write_all(&len.to_be_bytes()).await?;
        requests.write_all(body).await?;
        Ok(())
    }

    async fn receive(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut header = [0u8; 4];
        self.replies
            .read_exact(&mut header)
            .await
            .context("the slot closed its reply pipe")?;
        let len = u32::from_be_bytes(header) as usize;
        if len > MAX_REPLY {
            bail!("the slot sent a {len}-byte reply");
        }
        let mut body = vec![0u8; len];
        self.replies.read_exact(&mut body).await?;
        Ok(body)
    }

    async fn call(&mut self, message: &Message<'_>, within: Duration) -> anyhow::Result<Vec<u8>> {
        self.send(&serde_json::to_vec(message)?).await?;
        tokio::time::timeout(within, self.receive())
            .await
            .map_err(|_| anyhow::anyhow!("the slot did not answer within {within:?}"))?
    }

    /// Has the zygote fork and lock down the next child ahead of its request, with `limits`
    /// (the cgroup gets them first, so the child never runs under another execution's
    /// limits). Off the request path: an execution with the same limits then costs only
    /// handing the code over. An error means the slot is broken.
    pub async fn prepare(&mut self, limits: &Limits) -> anyhow::Result<()> {
        self.discard().await?;
        if let Some(cgroup) = &self.cgroup {
            cgroup.prepare(limits.memory_bytes, limits.max_pids, limits.cpus)?;
        }
        let frame = self
            .call(&Message::Prepare { limits }, PREPARE_TIMEOUT)
            .await?;
        let answer: Prepared = serde_json::from_slice(&frame).context("bad reply from the slot")?;
        if !answer.prepared {
            bail!(
                "the slot could not prepare a child: {}",
                answer.error.unwrap_or_default()
            );
        }
        // Backstop for the zygote's own clean-up: the prepared child must now be the only
        // process in the cgroup.
        if let Some(cgroup) = &self.cgroup {
            let processes = cgroup.processes();
            if processes.len() != 1 {
                tracing::warn!(
                    slot = self.index,
                    processes = processes.len(),
                    "unexpected processes in the slot's cgroup; killing them"
                );
                cgroup.kill_all();
                bail!(
                    "{} processes in the slot's cgroup where only the prepared child belongs",
                    processes.len()
                );
            }
        }
        self.prepared = Some(limits.clone());
        Ok(())
    }

    /// Ends the prepared child, if any, so the cgroup may take other limits.
    async fn discard(&mut self) -> anyhow::Result<()> {
        if self.prepared.take().is_some() {
            self.call(&Message::Discard, PREPARE_TIMEOUT).await?;
        }
        Ok(())
    }

    /// Runs one request. An error means the slot is broken and must be replaced.
    pub async fn execute(&mut self, request: &Request) -> anyhow::Result<(Reply, Usage)> {
        if self.prepared.as_ref() != Some(&request.limits) {
            // The zygote forks a child for these limits inline.
            self.discard().await?;
            if let Some(cgroup) = &self.cgroup {
                let limits = &request.limits;
                cgroup.prepare(limits.memory_bytes, limits.max_pids, limits.cpus)?;
            }
        } else if let Some(cgroup) = &self.cgroup {
            cgroup.reset_peak()?;
        }
        self.prepared = None;
        // OOM-kill counters are cumulative: the execution's own is the difference.
        let oom_before = self.cgroup.as_ref().map_or(0, |c| c.usage().oom_kills);
        self.send(&serde_json::to_vec(&Message::Run(request))?)
            .await?;
        // The zygote enforces the timeout; this is the backstop for a zygote that hangs.
        let backstop = Duration::from_secs_f64(request.limits.timeout) + PREPARE_TIMEOUT;
        let frame = tokio::time::timeout(backstop, self.receive())
            .await
            .map_err(|_| anyhow::anyhow!("the slot did not answer within {backstop:?}"))??;
        let value: serde_json::Value =
            serde_json::from_slice(&frame).context("bad reply from the slot")?;
        if let Some(fatal) = value.get("fatal").and_then(|f| f.as_str()) {
            bail!("the slot failed: {fatal}");
        }
        let reply: Reply = serde_json::from_value(value).context("bad reply from the slot")?;
        let usage = match &self.cgroup {
            Some(cgroup) => {
                let mut usage = cgroup.usage();
                usage.oom_kills = usage.oom_kills.saturating_sub(oom_before);
                usage
            }
            None => Usage::default(),
        };
        Ok((reply, usage))
    }

    /// Whether the slot's process has gone (killed from outside, crashed).
    pub fn exited(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => !matches!(child.try_wait(), Ok(None)),
            None => true,
        }
    }

    /// Stops the zygote and everything under it: closing its request pipe makes it kill its
    /// namespace and exit (so every process is reaped by its own parent); SIGKILL follows if
    /// it has not gone within half a second. Blocks: call it off the async workers.
    pub fn kill(mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // Closing the request pipe is the zygote's signal to end its namespace and exit.
        drop(self.requests.take());
        for _ in 0..50 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        if let Some(cgroup) = &self.cgroup {
            cgroup.kill_all();
        }
    }
}

impl Drop for Slot {
    /// A slot dropped without `kill` (an abandoned lease, a cancelled task, a panic) still
    /// leaves nothing behind: SIGKILL to the slot's init takes the zygote with it (it has
    /// PDEATHSIG) and, as PID 1 of the slot's namespace, every process in it. Reaping
    /// happens on a blocking thread so that dropping never stalls an async worker.
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = child.kill();
        if let Some(cgroup) = &self.cgroup {
            cgroup.kill_all();
        }
        let mut reap = move || {
            let _ = child.wait();
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn_blocking(reap);
            }
            Err(_) => reap(),
        }
    }
}

fn forward_stderr(index: usize, stderr: std::process::ChildStderr) {
    let Ok(receiver) = pipe::Receiver::from_owned_fd(OwnedFd::from(stderr)) else {
        return;
    };
    tokio::spawn(async move {
        let mut lines = BufReader::new(receiver).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::warn!(slot = index, "sandbox slot: {line}");
        }
    });
}
