//! One warm sandbox slot: the `__sandbox-init` process that became the Python zygote, the
//! control socket to it, and its cgroup.
//!
//! The zygote never sees a request's bytes. It forks and locks down a child ahead of each
//! request and hands this side the parent ends of the child's pipes (code in; stdout, stderr
//! and status out) and a pidfd, over the control socket (SCM_RIGHTS). The code goes from here
//! straight into the child, the output comes straight back, and the timeout is enforced here
//! through the pidfd; the zygote only forks, and kills and reaps when told to `finish`.
//!
//! Everything that comes from the child is untrusted input: the status line is parsed
//! defensively (a malformed or out-of-range one is ignored in favour of the real exit status
//! from the zygote's `wait4`), output is capped while it is read, and nothing the child writes
//! is ever reported as a set-up failure.

use std::io::IoSliceMut;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Interest};
use tokio::net::unix::pipe;
use tokio::net::UnixStream;

use super::cgroup::{Cgroup, Usage};
use super::init::Setup;
use super::lockdown::{Plan, PlanSettings};

/// Biggest control frame accepted from a zygote (its answers are a few hundred bytes).
/// An execution still running after this long has its CPU weight lowered (see
/// `Cgroup::demote`): interactive programs finish in milliseconds; a loop or a batch
/// computation loses nothing but its priority over them.
const DEMOTE_AFTER: Duration = Duration::from_millis(50);
const MAX_FRAME: usize = 64 << 10;
/// How long the zygote may take to fork and lock down a child (it gives up after 10 s).
const PREPARE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long killing and reaping an execution's processes may take.
const FINISH_TIMEOUT: Duration = Duration::from_secs(10);
/// Most kept of the child's status channel: a well-formed "done" line is under 64 bytes.
const STATUS_CAP: usize = 4096;
/// After the child has gone, how long its pipes may take to reach end of file.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
/// First cgroup fd number in the slot (0, 1, 2 are the control socket and stderr).
const FIRST_CGROUP_FD: i32 = 3;

/// The limits a child is locked down with before it is handed code: a child prepared with
/// one set of limits only ever runs a request with the same limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub timeout: f64,
    pub memory_bytes: u64,
    pub max_pids: u32,
    pub disk_mb: u64,
    pub guards: bool,
    /// Enforced by the cgroup.
    pub cpus: f64,
}

/// What the executor asks one execution to do.
#[derive(Debug, Clone)]
pub struct Request {
    pub code: String,
    pub max_output: u64,
    pub limits: Limits,
    /// Where the output goes as it is read, besides the result (heavy jobs' live logs).
    pub progress: Option<Progress>,
}

/// One of the two output streams of an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// Output as it is read: the same bytes the result keeps (nothing past the output cap).
pub type Progress = tokio::sync::mpsc::UnboundedSender<(OutputStream, Vec<u8>)>;

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The code ran to its end (or `sys.exit`) with this status.
    Exited(i32),
    /// Killed by this signal (the memory cgroup's OOM killer, a crash).
    Signaled(i32),
    /// Killed at its timeout.
    TimedOut,
}

/// What came of one execution.
#[derive(Debug, Clone)]
pub struct Reply {
    pub outcome: Outcome,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub duration_ms: f64,
    pub cpu_ms: f64,
    pub maxrss_kb: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    #[error("the sandbox slot could not start: {0}")]
    Start(String),
    #[error("the sandbox slot's control channel failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the sandbox slot did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the sandbox slot broke its protocol: {0}")]
    Protocol(String),
    #[error("the sandbox slot could not prepare a child: {0}")]
    Prepare(String),
    #[error("the sandbox slot is unusable: {0}")]
    Fatal(String),
    /// The pool reports slot errors by their `Display` alone, so this one carries its causes
    /// in its message (and has no `source`, not to print them twice in a chain).
    #[error("cgroup: {}", crate::telemetry::error_chain(.0))]
    Cgroup(super::cgroup::CgroupError),
}

/// Why an execution produced no reply, and whether its code had started (then it must not
/// run again: a failure after that point is answered, never retried).
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error("{0}")]
    BeforeCode(SlotError),
    #[error("{0} (after the code had started)")]
    AfterCode(SlotError),
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Message<'a> {
    Prepare { plan: &'a Plan },
    Finish,
}

#[derive(Debug, Deserialize)]
struct Prepared {
    prepared: bool,
    error: Option<String>,
    fatal: Option<String>,
}

/// How the zygote saw the child end.
#[derive(Debug, Default, Deserialize)]
struct Finished {
    finished: bool,
    exit_code: Option<i32>,
    signal: Option<i32>,
    cpu_ms: f64,
    maxrss_kb: u64,
}

#[derive(Debug, Deserialize)]
struct Ready {
    ready: bool,
}

/// The service's ends of a prepared child.
struct Handles {
    code: OwnedFd,
    stdout: OwnedFd,
    stderr: OwnedFd,
    status: OwnedFd,
    pidfd: OwnedFd,
}

pub struct Slot {
    pub index: usize,
    /// `None` only once `kill` has taken it.
    child: Option<Child>,
    /// `None` once `kill` has closed it.
    control: Option<UnixStream>,
    pub cgroup: Option<Cgroup>,
    plan_settings: PlanSettings,
    /// The child the zygote holds ready, with its limits (the cgroup is set to them).
    prepared: Option<(Limits, Handles)>,
    /// A child was forked and the zygote has not finished it yet.
    unfinished: bool,
}

pub struct SpawnConfig<'a> {
    pub program: &'a std::path::Path,
    pub setup: &'a Setup,
    /// The host uid and gid of this slot (when the executor runs as root).
    pub uid: Option<(u32, u32)>,
    pub start_timeout: Duration,
    pub plan_settings: PlanSettings,
}

impl Slot {
    /// Starts the slot's init (which becomes the zygote) in `zygote_cgroup`, with the
    /// executions' `cgroup` open for its children to join.
    pub async fn start(
        index: usize,
        config: &SpawnConfig<'_>,
        cgroup: Option<Cgroup>,
        zygote_cgroup: Option<&Cgroup>,
    ) -> Result<Self, SlotError> {
        let cgroup_files = match &cgroup {
            Some(cgroup) => cgroup.procs_files().map_err(SlotError::Cgroup)?,
            None => Vec::new(),
        };
        let zygote_files = match zygote_cgroup {
            Some(cgroup) => cgroup.procs_files().map_err(SlotError::Cgroup)?,
            None => Vec::new(),
        };
        let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
        let theirs = OwnedFd::from(theirs);
        let mut command = Command::new(config.program);
        command
            .arg("__sandbox-init")
            .env_clear()
            .stdin(Stdio::from(theirs.try_clone()?))
            .stdout(Stdio::from(theirs))
            .stderr(Stdio::piped());
        if let Some((uid, gid)) = config.uid {
            command.uid(uid).gid(gid);
        }
        let fds: Vec<i32> = cgroup_files.iter().map(AsRawFd::as_raw_fd).collect();
        let join: Vec<i32> = zygote_files.iter().map(AsRawFd::as_raw_fd).collect();
        // SAFETY: the closure runs in the forked child before exec and only calls setsid,
        // write and dup2, which are async-signal-safe; it touches no locks and allocates
        // nothing (`fds` and `join` were built before the fork and are only read).
        unsafe {
            command.pre_exec(move || {
                // A session of its own: no signal sent to the executor's process group or
                // session reaches the slot, and none from the slot reaches them.
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // Into the slot's own cgroup before exec: init, the zygote and everything
                // the zygote allocates are charged there, not to the executor.
                for fd in &join {
                    if libc::write(*fd, b"0".as_ptr().cast(), 1) != 1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                for (i, fd) in fds.iter().enumerate() {
                    let target = FIRST_CGROUP_FD + i as i32;
                    if libc::dup2(*fd, target) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| SlotError::Start(format!("start the sandbox slot: {e}")))?;
        // The child's end of the socket lives in `command`: close it here, so that a slot
        // that dies is seen at once as a closed socket.
        drop(command);
        drop(cgroup_files);
        drop(zygote_files);
        if let Some(stderr) = child.stderr.take() {
            forward_stderr(index, stderr);
        }
        ours.set_nonblocking(true)?;
        let mut slot = Self {
            index,
            child: Some(child),
            control: Some(UnixStream::from_std(ours)?),
            cgroup,
            plan_settings: config.plan_settings,
            prepared: None,
            unfinished: false,
        };
        let setup = serde_json::to_vec(config.setup)
            .map_err(|e| SlotError::Start(format!("encode the setup: {e}")))?;
        slot.send(&setup).await?;
        let (frame, _) = within(config.start_timeout, slot.receive()).await?;
        let ready: Ready = parse(&frame)?;
        if !ready.ready {
            return Err(SlotError::Start(
                "the slot reported it is not ready".to_owned(),
            ));
        }
        Ok(slot)
    }

    fn control(&mut self) -> Result<&mut UnixStream, SlotError> {
        self.control
            .as_mut()
            .ok_or_else(|| SlotError::Protocol("the slot is closed".to_owned()))
    }

    async fn send(&mut self, body: &[u8]) -> Result<(), SlotError> {
        let len = u32::try_from(body.len())
            .map_err(|_| SlotError::Protocol("frame too large".to_owned()))?;
        let control = self.control()?;
        control.write_all(&len.to_be_bytes()).await?;
        control.write_all(body).await?;
        Ok(())
    }

    /// One frame from the zygote, and any descriptors that came with it.
    async fn receive(&mut self) -> Result<(Vec<u8>, Vec<OwnedFd>), SlotError> {
        let mut fds = Vec::new();
        let mut header = [0u8; 4];
        self.receive_exact(&mut header, &mut fds).await?;
        let len = u32::from_be_bytes(header) as usize;
        if len > MAX_FRAME {
            return Err(SlotError::Protocol(format!("a {len}-byte frame")));
        }
        let mut body = vec![0u8; len];
        self.receive_exact(&mut body, &mut fds).await?;
        Ok((body, fds))
    }

    /// Fills `buf` from the control socket with recvmsg, keeping passed descriptors (a plain
    /// read would drop them).
    async fn receive_exact(
        &mut self,
        buf: &mut [u8],
        fds: &mut Vec<OwnedFd>,
    ) -> Result<(), SlotError> {
        use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
        let control = self.control()?;
        let raw = control.as_raw_fd();
        let mut filled = 0;
        while filled < buf.len() {
            let read = control
                .async_io(Interest::READABLE, || {
                    let mut iov = [IoSliceMut::new(&mut buf[filled..])];
                    let mut space = nix::cmsg_space!([RawFd; 8]);
                    let message =
                        recvmsg::<()>(raw, &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)
                            .map_err(std::io::Error::from)?;
                    for cmsg in message.cmsgs().map_err(std::io::Error::from)? {
                        if let ControlMessageOwned::ScmRights(received) = cmsg {
                            for fd in received {
                                // SAFETY: the kernel just installed `fd` in this process for
                                // this message; nothing else owns it.
                                fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
                            }
                        }
                    }
                    Ok(message.bytes)
                })
                .await?;
            if read == 0 {
                return Err(SlotError::Protocol(
                    "the slot closed its control socket".to_owned(),
                ));
            }
            filled += read;
        }
        Ok(())
    }

    async fn call(
        &mut self,
        message: &Message<'_>,
        timeout: Duration,
    ) -> Result<(Vec<u8>, Vec<OwnedFd>), SlotError> {
        let body =
            serde_json::to_vec(message).map_err(|e| SlotError::Protocol(format!("encode: {e}")))?;
        self.send(&body).await?;
        within(timeout, self.receive()).await
    }

    /// Has the zygote fork and lock down the next child ahead of its request, with `limits`
    /// (the cgroup gets them first, so the child never runs under another execution's
    /// limits). An error means the slot is broken.
    pub async fn prepare(&mut self, limits: &Limits) -> Result<(), SlotError> {
        // The zygote finishes the previous child (kills and reaps every process of the slot)
        // before it forks the next one: no separate round trip for it. Lowering the cgroup's
        // limits first can only hurt processes that are about to be killed.
        self.prepared = None;
        self.unfinished = false;
        if let Some(cgroup) = &self.cgroup {
            cgroup
                .prepare(limits.memory_bytes, limits.max_pids, limits.cpus)
                .map_err(SlotError::Cgroup)?;
        }
        let plan = Plan::new(limits, self.plan_settings);
        let (frame, fds) = self
            .call(&Message::Prepare { plan: &plan }, PREPARE_TIMEOUT)
            .await?;
        let answer: Prepared = parse(&frame)?;
        if let Some(fatal) = answer.fatal {
            return Err(SlotError::Fatal(fatal));
        }
        if !answer.prepared {
            return Err(SlotError::Prepare(answer.error.unwrap_or_default()));
        }
        self.unfinished = true;
        let [code, stdout, stderr, status, pidfd]: [OwnedFd; 5] =
            fds.try_into().map_err(|fds: Vec<OwnedFd>| {
                SlotError::Protocol(format!("{} descriptors with a prepared child", fds.len()))
            })?;
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
                return Err(SlotError::Protocol(format!(
                    "{} processes in the slot's cgroup where only the prepared child belongs",
                    processes.len()
                )));
            }
        }
        let handles = Handles {
            code,
            stdout,
            stderr,
            status,
            pidfd,
        };
        self.prepared = Some((limits.clone(), handles));
        Ok(())
    }

    /// Has the zygote kill and reap the current child and every other process of the slot,
    /// and says how the child ended.
    async fn finish(&mut self) -> Result<Finished, SlotError> {
        self.prepared = None;
        if !self.unfinished {
            return Ok(Finished::default());
        }
        let (frame, _) = self.call(&Message::Finish, FINISH_TIMEOUT).await?;
        let finished: Finished = parse(&frame)?;
        if !finished.finished {
            return Err(SlotError::Protocol("finish not acknowledged".to_owned()));
        }
        self.unfinished = false;
        Ok(finished)
    }

    /// Runs one request in the prepared child (preparing one inline if the limits differ).
    pub async fn execute(&mut self, request: &Request) -> Result<(Reply, Usage), ExecuteError> {
        if self.prepared.as_ref().map(|(l, _)| l) != Some(&request.limits) {
            self.prepare(&request.limits)
                .await
                .map_err(ExecuteError::BeforeCode)?;
        }
        if let Some(cgroup) = &self.cgroup {
            cgroup
                .reset_peak()
                .map_err(|e| ExecuteError::BeforeCode(SlotError::Cgroup(e)))?;
        }
        // OOM-kill counters are cumulative: the execution's own is the difference.
        let oom_before = self.cgroup.as_ref().map_or(0, |c| c.usage().oom_kills);
        let Some((_, handles)) = self.prepared.take() else {
            return Err(ExecuteError::BeforeCode(SlotError::Protocol(
                "no prepared child".to_owned(),
            )));
        };
        let started = Instant::now();
        let cap = usize::try_from(request.max_output).unwrap_or(usize::MAX);
        let timeout = Duration::try_from_secs_f64(request.limits.timeout)
            .unwrap_or(Duration::from_secs(3600));
        let mut run = Run::new(handles, cap, request.progress.as_ref())
            .map_err(|e| ExecuteError::AfterCode(e.into()))?;
        let bounds = Bounds::of(&request.limits, self.plan_settings);
        let ended = {
            let done = run.until_done(request.code.as_bytes(), started + timeout, bounds);
            tokio::pin!(done);
            tokio::select! {
                ended = &mut done => ended,
                () = tokio::time::sleep_until((started + DEMOTE_AFTER).into()) => {
                    // A long runner yields the CPU to short programs from here on.
                    if let Some(cgroup) = &self.cgroup {
                        if let Err(err) = cgroup.demote() {
                            tracing::warn!(error = %crate::telemetry::error_chain(&err), "cannot lower the CPU weight of a long execution");
                        }
                    }
                    done.await
                }
            }
        }
        .map_err(|e| ExecuteError::AfterCode(e.into()))?;
        let (outcome, cpu_ms, maxrss_kb) = match ended {
            Ended::Done(done) => {
                // Everything the child wrote is in the pipes already; take it and answer now.
                // The zygote finishes the child before the next prepare.
                run.take_available();
                (
                    Outcome::Exited(i32::from(done.status)),
                    done.cpu_us as f64 / 1000.0,
                    done.maxrss_kb,
                )
            }
            Ended::Gone { timed_out } => {
                if !run.status.data.is_empty() {
                    // The code wrote on the status channel: not a report we accept.
                    tracing::warn!(
                        slot = self.index,
                        bytes = run.status.data.len(),
                        "the execution wrote a malformed status line (a protocol violation by the code); its real exit status decides"
                    );
                }
                // No trustworthy report: the zygote's wait4 says how the child ended. Only
                // once every process of the slot is dead do the pipes reach end of file.
                let finished = self.finish().await.map_err(ExecuteError::AfterCode)?;
                run.drain(DRAIN_TIMEOUT).await;
                let outcome = match (timed_out, finished.exit_code, finished.signal) {
                    (true, _, _) => Outcome::TimedOut,
                    (false, Some(code), _) => Outcome::Exited(code),
                    (false, None, Some(signal)) => Outcome::Signaled(signal),
                    (false, None, None) => Outcome::Signaled(libc::SIGKILL),
                };
                (outcome, finished.cpu_ms, finished.maxrss_kb)
            }
        };
        let (stdout, stdout_truncated) = run.stdout.text();
        let (stderr, stderr_truncated) = run.stderr.text();
        let usage = match &self.cgroup {
            Some(cgroup) => {
                let mut usage = cgroup.usage();
                usage.oom_kills = usage.oom_kills.saturating_sub(oom_before);
                usage
            }
            None => Usage::default(),
        };
        let reply = Reply {
            outcome,
            stdout,
            stderr,
            stdout_truncated,
            stderr_truncated,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            cpu_ms,
            maxrss_kb,
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

    /// Stops the zygote and everything under it: closing its control socket makes it kill
    /// its namespace and exit (so every process is reaped by its own parent); SIGKILL follows
    /// if it has not gone within half a second. Blocks: call it off the async workers.
    pub fn kill(mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        self.prepared = None;
        drop(self.control.take());
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

async fn within<T>(
    timeout: Duration,
    future: impl std::future::Future<Output = Result<T, SlotError>>,
) -> Result<T, SlotError> {
    tokio::time::timeout(timeout, future)
        .await
        .map_err(|_| SlotError::Timeout(timeout))?
}

fn parse<T: serde::de::DeserializeOwned>(frame: &[u8]) -> Result<T, SlotError> {
    serde_json::from_slice(frame).map_err(|e| SlotError::Protocol(format!("bad frame: {e}")))
}

/// The child's own report that its code has finished and its output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Done {
    status: u8,
    cpu_us: u64,
    maxrss_kb: u64,
}

/// The most a report may claim: CPU time within the execution's RLIMIT_CPU, memory within its
/// address-space limit.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    cpu_us: u64,
    maxrss_kb: u64,
}

impl Bounds {
    fn of(limits: &Limits, settings: PlanSettings) -> Self {
        Self {
            cpu_us: (limits.timeout.ceil().max(1.0) as u64 + 3) * 1_000_000,
            maxrss_kb: (limits.memory_bytes + settings.address_space_headroom) / 1024,
        }
    }
}

/// Accepts exactly `D <status 0-255> <cpu µs> <max RSS KiB>\n` with values within `bounds`
/// and nothing else on the channel: anything else (a partial line, extra text before or
/// after, values out of range) is not a report, and the real exit status decides.
fn parse_done(channel: &[u8], bounds: Bounds) -> Option<Done> {
    let text = std::str::from_utf8(channel).ok()?;
    let line = text.strip_prefix("D ")?.strip_suffix('\n')?;
    let mut fields = line.split(' ');
    let status = fields.next()?.parse::<u8>().ok()?;
    let cpu_us = fields.next()?.parse::<u64>().ok()?;
    let maxrss_kb = fields.next()?.parse::<u64>().ok()?;
    let in_range = cpu_us <= bounds.cpu_us && maxrss_kb <= bounds.maxrss_kb;
    (fields.next().is_none() && in_range).then_some(Done {
        status,
        cpu_us,
        maxrss_kb,
    })
}

/// One stream of the child, kept up to its cap while it is read.
struct Capture {
    data: Vec<u8>,
    cap: usize,
    truncated: bool,
    eof: bool,
    /// Where kept bytes are copied as they come.
    tee: Option<(OutputStream, Progress)>,
}

impl Capture {
    fn new(cap: usize) -> Self {
        Self {
            data: Vec::new(),
            cap,
            truncated: false,
            eof: false,
            tee: None,
        }
    }

    fn tee(mut self, stream: OutputStream, progress: Option<Progress>) -> Self {
        self.tee = progress.map(|p| (stream, p));
        self
    }

    fn keep(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            self.eof = true;
            return;
        }
        let room = self.cap.saturating_sub(self.data.len());
        let kept = &chunk[..room.min(chunk.len())];
        self.data.extend_from_slice(kept);
        if let (Some((stream, progress)), false) = (&self.tee, kept.is_empty()) {
            // A listener that went away costs nothing: the result keeps everything anyway.
            let _ = progress.send((*stream, kept.to_vec()));
        }
        if chunk.len() > room {
            self.truncated = true;
        }
    }

    /// The text, decoded leniently and cut so that it takes at most the cap in bytes once
    /// encoded in the JSON answer: a replacement character is three bytes where the invalid
    /// byte was one, and a control character six (`\u0001`), so capping the raw bytes alone
    /// would let 4 MiB of output become a 24 MiB answer.
    fn text(&self) -> (String, bool) {
        let mut text = String::from_utf8_lossy(&self.data).into_owned();
        let mut truncated = self.truncated;
        let mut encoded = 0usize;
        let cut = text.char_indices().find_map(|(at, c)| {
            encoded += json_len(c);
            (encoded > self.cap).then_some(at)
        });
        if let Some(cut) = cut {
            text.truncate(cut);
            truncated = true;
        }
        (text, truncated)
    }
}

/// Bytes `c` takes inside a JSON string as serde_json writes it.
fn json_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

enum Ended {
    Done(Done),
    Gone { timed_out: bool },
}

/// The service's side of one execution: the code going in, the three streams coming out.
struct Run {
    code: Option<pipe::Sender>,
    out: pipe::Receiver,
    err: pipe::Receiver,
    status_pipe: pipe::Receiver,
    pidfd: AsyncFd<OwnedFd>,
    stdout: Capture,
    stderr: Capture,
    status: Capture,
}

impl Run {
    fn new(handles: Handles, cap: usize, progress: Option<&Progress>) -> std::io::Result<Self> {
        Ok(Self {
            code: Some(pipe::Sender::from_owned_fd(handles.code)?),
            out: pipe::Receiver::from_owned_fd(handles.stdout)?,
            err: pipe::Receiver::from_owned_fd(handles.stderr)?,
            status_pipe: pipe::Receiver::from_owned_fd(handles.status)?,
            // SAFETY: an OwnedFd always returns the descriptor it owns, which stays open until
            // the AsyncFd (which owns the OwnedFd) is dropped.
            pidfd: unsafe { AsyncFd::register_with_interest(handles.pidfd, Interest::READABLE) }
                .map_err(|e| e.into_parts().1)?,
            stdout: Capture::new(cap).tee(OutputStream::Stdout, progress.cloned()),
            stderr: Capture::new(cap).tee(OutputStream::Stderr, progress.cloned()),
            status: Capture::new(STATUS_CAP),
        })
    }

    /// Hands the code over and reads the streams until the child reports it is done, or it
    /// has gone (exited, crashed, or killed here at `deadline`).
    async fn until_done(
        &mut self,
        code: &[u8],
        deadline: Instant,
        bounds: Bounds,
    ) -> std::io::Result<Ended> {
        let mut sender = self.code.take();
        let write = async move {
            if let Some(sender) = sender.as_mut() {
                // A child that died before reading all of it is not an error here: its exit
                // says what happened.
                let _ = sender.write_all(code).await;
            }
            // Dropping the sender is the end of the code for the child.
        };
        tokio::pin!(write);
        let mut written = false;
        let mut timed_out = false;
        let mut buf_out = vec![0u8; 64 << 10];
        let mut buf_err = vec![0u8; 64 << 10];
        let mut buf_status = [0u8; 512];
        let deadline = tokio::time::Instant::from_std(deadline);
        loop {
            tokio::select! {
                // Streams before the exit: a child that reported and exited at once is read
                // as done, not as gone.
                biased;
                read = self.out.read(&mut buf_out), if !self.stdout.eof => {
                    self.stdout.keep(&buf_out[..read?]);
                }
                read = self.err.read(&mut buf_err), if !self.stderr.eof => {
                    self.stderr.keep(&buf_err[..read?]);
                }
                read = self.status_pipe.read(&mut buf_status), if !self.status.eof => {
                    self.status.keep(&buf_status[..read?]);
                    if let Some(done) = parse_done(&self.status.data, bounds) {
                        if !timed_out {
                            return Ok(Ended::Done(done));
                        }
                    }
                    if self.status.data.len() >= STATUS_CAP {
                        // Past any well-formed report: stop reading (the child may block on
                        // it; that costs only itself), so a flood costs the service nothing.
                        self.status.eof = true;
                    }
                }
                () = &mut write, if !written => written = true,
                guard = self.pidfd.readable() => {
                    let mut guard = guard?;
                    guard.retain_ready();
                    return Ok(Ended::Gone { timed_out });
                }
                () = tokio::time::sleep_until(deadline), if !timed_out => {
                    timed_out = true;
                    kill(self.pidfd.get_ref());
                }
            }
        }
    }

    /// Takes what the pipes hold now, without waiting (the child has reported; daemons it
    /// left may still write, and are killed before the next execution).
    fn take_available(&mut self) {
        let mut buf = vec![0u8; 64 << 10];
        for (pipe, capture) in [(&self.out, &mut self.stdout), (&self.err, &mut self.stderr)] {
            while !capture.eof {
                match pipe.try_read(&mut buf) {
                    Ok(n) => capture.keep(&buf[..n]),
                    Err(_) => break,
                }
                if capture.data.len() >= capture.cap && capture.truncated {
                    break;
                }
            }
        }
    }

    /// Reads both output streams to their end (every writer is dead), within `limit`.
    async fn drain(&mut self, limit: Duration) {
        let mut buf_out = vec![0u8; 64 << 10];
        let mut buf_err = vec![0u8; 64 << 10];
        let drain = async {
            while !(self.stdout.eof && self.stderr.eof) {
                tokio::select! {
                    read = self.out.read(&mut buf_out), if !self.stdout.eof => match read {
                        Ok(n) => self.stdout.keep(&buf_out[..n]),
                        Err(_) => self.stdout.eof = true,
                    },
                    read = self.err.read(&mut buf_err), if !self.stderr.eof => match read {
                        Ok(n) => self.stderr.keep(&buf_err[..n]),
                        Err(_) => self.stderr.eof = true,
                    },
                }
            }
        };
        let _ = tokio::time::timeout(limit, drain).await;
    }
}

/// SIGKILL through a pidfd: it cannot reach another process, even one that took a recycled
/// pid, and works across the slot's PID namespace.
fn kill(pidfd: &OwnedFd) {
    // SAFETY: pidfd_send_signal with a valid pidfd, a signal number and a null siginfo reads
    // no memory of ours; an error (the process is already gone) is harmless.
    unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            libc::SIGKILL,
            std::ptr::null::<libc::siginfo_t>(),
            0u32,
        );
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

#[cfg(test)]
mod tests {
    use super::{parse_done, Bounds, Capture, Done};

    const BOUNDS: Bounds = Bounds {
        cpu_us: 13_000_000,
        maxrss_kb: 1 << 21,
    };

    #[test]
    fn only_a_well_formed_report_counts() {
        assert_eq!(
            parse_done(b"D 0 1200 9000\n", BOUNDS),
            Some(Done {
                status: 0,
                cpu_us: 1200,
                maxrss_kb: 9000
            })
        );
        for forged in [
            &b"D 0 1200 9000"[..],
            b"D 256 0 0\n",
            b"D -1 0 0\n",
            b"D 0 0 0 0\n",
            b"D abc\n",
            b"xD 0 0 0\n",
            b"D 0 0 0\nD 0 0 0\n",
            b"D 0 99999999999999999999 0\n",
            b"D 0 13000001 0\n",
            b"D 0 0 2097153\n",
            b"D 0 0 \xff\n",
            b"",
        ] {
            assert_eq!(parse_done(forged, BOUNDS), None, "{forged:?}");
        }
    }

    #[test]
    fn output_is_capped_in_encoded_bytes_after_lenient_decoding() {
        for raw in [vec![0xffu8; 64], vec![1u8; 64], b"\"\\\n".repeat(20)] {
            let mut capture = Capture::new(10);
            capture.keep(&raw);
            let (text, truncated) = capture.text();
            assert!(truncated);
            let encoded = serde_json::to_string(&text).expect("JSON");
            assert!(encoded.len() - 2 <= 10, "{encoded}");
        }
        let mut small = Capture::new(10);
        small.keep(b"hello");
        assert_eq!(small.text(), ("hello".to_owned(), false));
    }
}
