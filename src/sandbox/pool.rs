//! The pool of warm slots: a bounded queue in front, retries with backoff for infrastructure
//! failures, and the mapping from a zygote's reply to an `ExecutionResult`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::cgroup::{Hierarchy, Usage};
use super::init::Setup;
use super::slot::{Limits, Reply, Request, Slot, SpawnConfig};
use crate::config::{ExecutorSettings, LimitSettings};
use crate::models::{ExecutionError, ExecutionResult, ExecutionStatus, ResourceLimits};

pub struct PoolOptions {
    pub settings: ExecutorSettings,
    /// The `pyexec` binary, started as `pyexec __sandbox-init` for each slot.
    pub program: PathBuf,
    /// The run-time import allowlist (the lightweight tier's modules).
    pub allowed_imports: Vec<String>,
    /// Python guards on (operators may switch them off to test the OS layer alone).
    pub guards: bool,
    /// The heavy tier: data libraries, shared output folder, the heavy audit policy.
    pub heavy: Option<HeavyOptions>,
}

/// What the job runner adds to a pool.
#[derive(Debug, Clone)]
pub struct HeavyOptions {
    /// Host folder bound at `/work`: the code's working directory and output folder.
    pub work_dir: PathBuf,
    /// Read-only folders added to the runtime (the data libraries).
    pub runtime_paths: Vec<PathBuf>,
    /// Prepended to `sys.path` inside.
    pub sys_path: Vec<String>,
    /// Imported by the zygote before any code runs.
    pub preload: Vec<String>,
}

/// One program to run, with limits already checked against the maximums.
#[derive(Debug, Clone)]
pub struct Job {
    pub request_id: String,
    pub code: String,
    pub limits: LimitSettings,
}

#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub slots: usize,
    pub ready: usize,
    pub busy: usize,
    pub queued: usize,
    pub active_executions: usize,
    pub cgroup: Option<super::CgroupVersion>,
    pub layers: Vec<String>,
    /// Layers the operator allowed to be missing (`sandbox.allow_weaker`).
    pub missing_layers: Vec<String>,
}

enum State {
    Idle(Slot),
    /// Not started, or broken and killed: the next user starts it.
    Empty,
    InUse,
}

struct Inner {
    settings: ExecutorSettings,
    program: PathBuf,
    setup: Setup,
    uid: Option<(u32, u32)>,
    hierarchy: Option<Hierarchy>,
    guards: bool,
    slots: Mutex<Vec<State>>,
    pids: Mutex<Vec<Option<u32>>>,
    /// One permit per slot: held from taking a slot until it is ready again (its next child
    /// prepared), so a permit always finds a ready or an empty slot.
    permits: Arc<Semaphore>,
    queued: AtomicUsize,
    active: AtomicUsize,
    closing: AtomicBool,
    layers: Vec<String>,
    missing: Vec<String>,
}

#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl Pool {
    /// Builds the sandbox and starts every slot. Fails, naming what is missing, when an
    /// isolation layer is unavailable and `sandbox.allow_weaker` is off.
    pub async fn start(options: PoolOptions) -> anyhow::Result<Self> {
        let settings = options.settings;
        let sandbox = &settings.sandbox;
        let mut missing = Vec::new();
        let hierarchy = match Hierarchy::create(
            &sandbox.cgroup_root,
            &format!("pyexec-{}", std::process::id()),
        ) {
            Ok(hierarchy) => Some(hierarchy),
            Err(err) if sandbox.allow_weaker => {
                tracing::warn!(error = %format!("{err:#}"), "cgroups unavailable; running without a cgroup per execution (sandbox.allow_weaker)");
                missing.push("cgroup".to_owned());
                None
            }
            Err(err) => {
                return Err(err.context(
                    "cgroups (memory, pids, cpu) are required; set sandbox.allow_weaker = true to run without them",
                ))
            }
        };
        let python = std::fs::canonicalize(&sandbox.python)
            .with_context(|| format!("sandbox.python {}", sandbox.python.display()))?;
        let seccomp = super::seccomp_program(super::SECCOMP_POLICY)?;
        let cgroup_fds: Vec<i32> = match &hierarchy {
            Some(h) if h.version == super::CgroupVersion::V1 => vec![3, 4, 5],
            Some(_) => vec![3],
            None => Vec::new(),
        };
        let mut runtime_paths = sandbox.runtime_paths.clone();
        if let Some(heavy) = &options.heavy {
            runtime_paths.extend(heavy.runtime_paths.iter().cloned());
        }
        let mut landlock_read: Vec<String> = runtime_paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        landlock_read.push(python.display().to_string());
        if options.heavy.is_some() {
            landlock_read.push("/proc".to_owned());
        }
        let heavy = options.heavy.as_ref();
        let config = serde_json::json!({
            "heavy": heavy.is_some(),
            "shared_work": heavy.is_some(),
            "sys_path": heavy.map(|h| h.sys_path.clone()).unwrap_or_default(),
            "preload": heavy.map_or_else(|| options.allowed_imports.clone(), |h| h.preload.clone()),
            "allowed_imports": options.allowed_imports,
            "cgroup_fds": cgroup_fds,
            "max_open_files": sandbox.max_open_files,
            "address_space_headroom": sandbox.address_space_headroom_mb << 20,
            "landlock_read": landlock_read,
            "landlock_dev": ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"],
        });
        let setup = Setup {
            python,
            runtime_paths,
            work_dir: heavy.map(|h| h.work_dir.clone()),
            proc: heavy.is_some(),
            files: vec![
                ("zygote.py".to_owned(), super::ZYGOTE.as_bytes().to_vec()),
                ("config.json".to_owned(), serde_json::to_vec(&config)?),
                ("seccomp.bpf".to_owned(), seccomp),
            ],
            hostname: "sandbox".to_owned(),
            root_size_kb: 1024,
        };
        let uid = nix::unistd::Uid::effective()
            .is_root()
            .then_some((sandbox.uid, sandbox.gid));
        let work_layer = if options.heavy.is_some() {
            "output_folder"
        } else {
            "tmpfs_workdir"
        };
        let mut layers: Vec<String> = [
            "namespaces",
            "readonly_runtime",
            work_layer,
            "rlimits",
            "landlock",
            "no_new_privs",
            "capabilities_dropped",
            "seccomp",
        ]
        .map(str::to_owned)
        .to_vec();
        if hierarchy.is_some() {
            layers.push("cgroup".to_owned());
        }
        if options.guards {
            layers.push("guards".to_owned());
        }
        let size = settings.pool_size.max(1);
        let inner = Arc::new(Inner {
            permits: Arc::new(Semaphore::new(size)),
            slots: Mutex::new((0..size).map(|_| State::InUse).collect()),
            pids: Mutex::new(vec![None; size]),
            settings,
            program: options.program,
            setup,
            uid,
            hierarchy,
            guards: options.guards,
            queued: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            closing: AtomicBool::new(false),
            layers,
            missing,
        });
        let pool = Self { inner };
        let defaults = pool.slot_limits(&pool.inner.settings.default_limits);
        for index in 0..size {
            let mut slot = pool
                .start_slot(index)
                .await
                .with_context(|| format!("starting sandbox slot {index}"))?;
            slot.prepare(&defaults)
                .await
                .with_context(|| format!("preparing sandbox slot {index}"))?;
            pool.put_back(index, Some(slot));
        }
        // Self-test: every layer must come up in a real execution before we serve.
        let probe = Job {
            request_id: "startup-self-test".to_owned(),
            code: "print(6 * 7)".to_owned(),
            limits: pool.inner.settings.default_limits.clone(),
        };
        let result = pool
            .execute(probe)
            .await
            .map_err(|e| anyhow::anyhow!("sandbox self-test failed: {e}"))?;
        if result.status != ExecutionStatus::Ok || result.stdout != "42\n" {
            anyhow::bail!(
                "sandbox self-test failed: status {:?}, stdout {:?}, stderr {:?}, errors {:?}",
                result.status,
                result.stdout,
                result.stderr,
                result.errors
            );
        }
        tokio::spawn(supervise(Arc::downgrade(&pool.inner)));
        // Serve only once every slot is ready again after the self-test.
        let size = u32::try_from(size).context("pool size")?;
        drop(pool.inner.permits.acquire_many(size).await?);
        Ok(pool)
    }

    async fn start_slot(&self, index: usize) -> anyhow::Result<Slot> {
        let inner = &self.inner;
        let cgroup = match &inner.hierarchy {
            Some(h) => Some(h.slot(index)?),
            None => None,
        };
        let config = SpawnConfig {
            program: &inner.program,
            setup: &inner.setup,
            uid: inner.uid,
            start_timeout: Duration::from_secs(30),
        };
        let slot = Slot::start(index, &config, cgroup).await?;
        if let Ok(mut pids) = inner.pids.lock() {
            pids[index] = Some(slot.pid());
        }
        Ok(slot)
    }

    fn put_back(&self, index: usize, slot: Option<Slot>) {
        if let Ok(mut slots) = self.inner.slots.lock() {
            slots[index] = slot.map_or(State::Empty, State::Idle);
        }
    }

    /// Takes a slot that nobody uses, started if possible. Holding a permit guarantees one.
    fn take(&self) -> Option<(usize, Option<Slot>)> {
        let mut slots = self.inner.slots.lock().ok()?;
        let index = slots
            .iter()
            .position(|s| matches!(s, State::Idle(_)))
            .or_else(|| slots.iter().position(|s| matches!(s, State::Empty)))?;
        match std::mem::replace(&mut slots[index], State::InUse) {
            State::Idle(slot) => Some((index, Some(slot))),
            _ => Some((index, None)),
        }
    }

    /// Fills in and checks a request's limits against the configured defaults and maximums.
    pub fn limits(
        &self,
        requested: Option<&ResourceLimits>,
    ) -> Result<LimitSettings, ExecutionError> {
        resolve_limits(&self.inner.settings, requested)
    }

    pub fn layers(&self) -> &[String] {
        &self.inner.layers
    }

    pub async fn execute(&self, job: Job) -> Result<ExecutionResult, ExecutionError> {
        let inner = &self.inner;
        if inner.closing.load(Ordering::SeqCst) {
            return Err(ExecutionError::SandboxSetup {
                message: "the executor is shutting down".to_owned(),
            });
        }
        let permit = match inner.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // The bound: `max_queue` waiting requests, plus one per slot that is only
                // preparing its next child (a wait of a millisecond or two, not "busy").
                let slots = inner.settings.pool_size.max(1);
                let rearming = slots.saturating_sub(inner.active.load(Ordering::SeqCst));
                if inner.queued.fetch_add(1, Ordering::SeqCst)
                    >= inner.settings.max_queue + rearming
                {
                    inner.queued.fetch_sub(1, Ordering::SeqCst);
                    return Err(ExecutionError::Busy {
                        slots: inner.settings.pool_size,
                        retry_after_secs: 1,
                    });
                }
                let permit = inner.permits.clone().acquire_owned().await;
                inner.queued.fetch_sub(1, Ordering::SeqCst);
                permit.map_err(|_| ExecutionError::SandboxSetup {
                    message: "the pool is closed".to_owned(),
                })?
            }
        };
        inner.active.fetch_add(1, Ordering::SeqCst);
        let outcome = self.run_with_retries(&job, permit).await;
        inner.active.fetch_sub(1, Ordering::SeqCst);
        outcome
    }

    fn slot_limits(&self, limits: &LimitSettings) -> Limits {
        Limits {
            timeout: limits.timeout_secs,
            memory_bytes: limits.memory_mb << 20,
            max_pids: limits.max_pids,
            disk_mb: limits.disk_mb,
            guards: self.inner.guards,
            cpus: limits.cpus,
        }
    }

    /// Hands a slot back once its next child is prepared (with the limits its last request
    /// used), in the background: the answer does not wait for it, but the slot's permit
    /// does, so no request can take the slot half-ready.
    fn rearm(&self, index: usize, mut slot: Slot, limits: Limits, permit: OwnedSemaphorePermit) {
        let pool = self.clone();
        tokio::spawn(async move {
            let prepared = slot.prepare(&limits).await;
            let closing = pool.inner.closing.load(Ordering::SeqCst);
            if let (Err(err), false) = (&prepared, closing) {
                tracing::error!(slot = index, error = %format!("{err:#}"), "sandbox slot failed to prepare; replacing it");
            }
            if prepared.is_err() || closing {
                if let Ok(mut pids) = pool.inner.pids.lock() {
                    pids[index] = None;
                }
                pool.put_back(index, None);
                let _ = tokio::task::spawn_blocking(move || slot.kill()).await;
            } else {
                pool.put_back(index, Some(slot));
            }
            drop(permit);
        });
    }

    async fn run_with_retries(
        &self,
        job: &Job,
        permit: OwnedSemaphorePermit,
    ) -> Result<ExecutionResult, ExecutionError> {
        let inner = &self.inner;
        let Some((index, mut slot)) = self.take() else {
            return Err(ExecutionError::SandboxSetup {
                message: "no idle slot although a permit was held".to_owned(),
            });
        };
        let request = Request {
            id: job.request_id.clone(),
            code: job.code.clone(),
            max_output: job.limits.max_output_bytes,
            limits: self.slot_limits(&job.limits),
        };
        let mut errors = Vec::new();
        let mut dead_slot = None;
        let attempts = inner.settings.max_retries + 1;
        for attempt in 0..attempts {
            if attempt > 0 && inner.closing.load(Ordering::SeqCst) {
                errors.push("not retried: the executor is shutting down".to_owned());
                break;
            }
            if attempt > 0 {
                let backoff = (1u64 << (attempt - 1).min(16)).min(inner.settings.max_backoff_secs);
                tracing::warn!(
                    attempt,
                    backoff_secs = backoff,
                    "retrying after an infrastructure failure"
                );
                tokio::time::sleep(Duration::from_secs(backoff)).await;
            }
            if let Some(candidate) = slot.as_mut() {
                if candidate.exited() {
                    dead_slot = slot.take();
                }
            }
            let mut current = match slot.take() {
                None if dead_slot.is_some() => {
                    let dead = dead_slot.take();
                    // Died while idle (the supervisor had not seen it yet): not this
                    // request's failure, just start a fresh one.
                    tracing::warn!(slot = index, "sandbox slot died while idle; replacing it");
                    if let Some(dead) = dead {
                        tokio::task::spawn_blocking(move || dead.kill());
                    }
                    match self.start_slot(index).await {
                        Ok(slot) => slot,
                        Err(err) => {
                            errors
                                .push(format!("attempt {}: starting a slot: {err:#}", attempt + 1));
                            continue;
                        }
                    }
                }
                Some(slot) => slot,
                None => match self.start_slot(index).await {
                    Ok(slot) => slot,
                    Err(err) => {
                        errors.push(format!("attempt {}: starting a slot: {err:#}", attempt + 1));
                        continue;
                    }
                },
            };
            match current.execute(&request).await {
                Ok((reply, usage)) => {
                    if let Some(setup) = &reply.setup_error {
                        errors.push(format!("attempt {}: sandbox set-up: {setup}", attempt + 1));
                        slot = Some(current);
                        continue;
                    }
                    self.rearm(index, current, request.limits, permit);
                    return Ok(self.result(job, reply, usage));
                }
                Err(err) => {
                    errors.push(format!("attempt {}: {err:#}", attempt + 1));
                    tracing::error!(slot = index, error = %format!("{err:#}"), "sandbox slot failed; replacing it");
                    if let Ok(mut pids) = inner.pids.lock() {
                        pids[index] = None;
                    }
                    tokio::task::spawn_blocking(move || current.kill());
                }
            }
        }
        self.put_back(index, slot);
        Err(ExecutionError::RetriesExhausted { attempts, errors })
    }

    fn result(&self, job: &Job, reply: Reply, usage: Usage) -> ExecutionResult {
        let oom = usage.oom_kills > 0 && self.inner.hierarchy.is_some();
        let memory_error = reply
            .stderr
            .trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("MemoryError"));
        let status = match reply.outcome.as_str() {
            "timeout" => ExecutionStatus::Timeout,
            _ if oom || memory_error => ExecutionStatus::MemoryLimit,
            "signaled" => ExecutionStatus::Killed,
            _ if reply.exit_code == Some(0) => ExecutionStatus::Ok,
            _ => ExecutionStatus::Error,
        };
        let peak_kb = if usage.peak_memory_bytes > 0 {
            usage.peak_memory_bytes / 1024
        } else {
            reply.maxrss_kb
        };
        ExecutionResult {
            request_id: job.request_id.clone(),
            status,
            exit_code: reply.exit_code,
            signal: reply.signal,
            stdout: reply.stdout,
            stderr: reply.stderr,
            stdout_truncated: reply.stdout_truncated,
            stderr_truncated: reply.stderr_truncated,
            duration_ms: reply.duration_ms,
            cpu_ms: reply.cpu_ms,
            peak_memory_kb: peak_kb,
            findings: Vec::new(),
            errors: Vec::new(),
            layers: self.inner.layers.clone(),
        }
    }

    pub fn health(&self) -> Health {
        let inner = &self.inner;
        let ready = inner
            .slots
            .lock()
            .map(|slots| slots.iter().filter(|s| matches!(s, State::Idle(_))).count())
            .unwrap_or(0);
        let active = inner.active.load(Ordering::SeqCst);
        Health {
            slots: inner.settings.pool_size.max(1),
            ready,
            busy: active,
            queued: inner.queued.load(Ordering::SeqCst),
            active_executions: active,
            cgroup: inner.hierarchy.as_ref().map(|h| h.version),
            layers: inner.layers.clone(),
            missing_layers: inner.missing.clone(),
        }
    }

    /// Stops taking work, gives in-flight executions `grace` to finish, then kills every slot
    /// and removes the cgroups.
    pub async fn shutdown(&self, grace: Duration) {
        let inner = &self.inner;
        inner.closing.store(true, Ordering::SeqCst);
        let deadline = tokio::time::Instant::now() + grace;
        while inner.active.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        inner.permits.close();
        let slots: Vec<Slot> = inner
            .slots
            .lock()
            .map(|mut slots| {
                slots
                    .iter_mut()
                    .filter_map(|s| match std::mem::replace(s, State::Empty) {
                        State::Idle(slot) => Some(slot),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let pids: Vec<u32> = inner
            .pids
            .lock()
            .map(|pids| pids.iter().flatten().copied().collect())
            .unwrap_or_default();
        let hierarchy = inner.hierarchy.clone();
        let _ = tokio::task::spawn_blocking(move || {
            for slot in slots {
                slot.kill();
            }
            for pid in pids {
                if let Ok(pid) = i32::try_from(pid) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(50));
            if let Some(hierarchy) = hierarchy {
                hierarchy.remove();
            }
        })
        .await;
    }
}

/// Every half second, replaces idle slots whose processes died (killed from outside, or
/// crashed), so that no request pays for finding out. Holds a permit while it does, so that
/// requests never see a slot in the middle of being replaced.
async fn supervise(pool: std::sync::Weak<Inner>) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = pool.upgrade() else { return };
        if inner.closing.load(Ordering::SeqCst) {
            return;
        }
        let pool = Pool { inner };
        let slots = pool.inner.settings.pool_size.max(1);
        for index in 0..slots {
            let Ok(permit) = pool.inner.permits.clone().try_acquire_owned() else {
                break;
            };
            let dead = pool.inner.slots.lock().ok().and_then(|mut slots| {
                let died = match &mut slots[index] {
                    State::Idle(slot) => slot.exited(),
                    _ => false,
                };
                if !died {
                    return None;
                }
                match std::mem::replace(&mut slots[index], State::InUse) {
                    State::Idle(slot) => Some(slot),
                    _ => None,
                }
            });
            let Some(dead) = dead else {
                drop(permit);
                continue;
            };
            tracing::warn!(slot = index, "sandbox slot died while idle; replacing it");
            let _ = tokio::task::spawn_blocking(move || dead.kill()).await;
            let defaults = pool.slot_limits(&pool.inner.settings.default_limits);
            let replacement = match pool.start_slot(index).await {
                Ok(mut slot) => match slot.prepare(&defaults).await {
                    Ok(()) => Some(slot),
                    Err(err) => {
                        tracing::error!(slot = index, error = %format!("{err:#}"), "replacement slot failed to prepare");
                        let _ = tokio::task::spawn_blocking(move || slot.kill()).await;
                        None
                    }
                },
                Err(err) => {
                    tracing::error!(slot = index, error = %format!("{err:#}"), "replacement slot failed to start");
                    None
                }
            };
            pool.put_back(index, replacement);
            drop(permit);
        }
    }
}

pub fn resolve_limits(
    settings: &ExecutorSettings,
    requested: Option<&ResourceLimits>,
) -> Result<LimitSettings, ExecutionError> {
    let defaults = &settings.default_limits;
    let max = &settings.max_limits;
    let requested = requested.cloned().unwrap_or_default();
    fn check(name: &str, value: f64, maximum: f64) -> Result<(), ExecutionError> {
        if !value.is_finite() || value <= 0.0 || value > maximum {
            return Err(ExecutionError::LimitTooHigh {
                name: name.to_owned(),
                requested: value,
                maximum,
            });
        }
        Ok(())
    }
    let limits = LimitSettings {
        timeout_secs: requested.timeout_secs.unwrap_or(defaults.timeout_secs),
        memory_mb: requested.memory_mb.unwrap_or(defaults.memory_mb),
        cpus: requested.cpus.unwrap_or(defaults.cpus),
        max_pids: requested.max_pids.unwrap_or(defaults.max_pids),
        max_output_bytes: requested
            .max_output_bytes
            .unwrap_or(defaults.max_output_bytes),
        disk_mb: requested.disk_mb.unwrap_or(defaults.disk_mb),
    };
    check("timeout_secs", limits.timeout_secs, max.timeout_secs)?;
    check("memory_mb", limits.memory_mb as f64, max.memory_mb as f64)?;
    check("cpus", limits.cpus, max.cpus)?;
    check(
        "max_pids",
        f64::from(limits.max_pids),
        f64::from(max.max_pids),
    )?;
    check(
        "max_output_bytes",
        limits.max_output_bytes as f64,
        max.max_output_bytes as f64,
    )?;
    check("disk_mb", limits.disk_mb as f64, max.disk_mb as f64)?;
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::resolve_limits;
    use crate::config::ExecutorSettings;
    use crate::models::{ExecutionError, ResourceLimits};

    #[test]
    fn limits_default_and_are_capped() {
        let settings = ExecutorSettings::default();
        let limits = resolve_limits(&settings, None).expect("defaults are within maximums");
        assert_eq!(limits.memory_mb, settings.default_limits.memory_mb);
        let asked = ResourceLimits {
            memory_mb: Some(settings.max_limits.memory_mb + 1),
            ..ResourceLimits::default()
        };
        assert!(matches!(
            resolve_limits(&settings, Some(&asked)),
            Err(ExecutionError::LimitTooHigh { name, .. }) if name == "memory_mb"
        ));
        let negative = ResourceLimits {
            timeout_secs: Some(-1.0),
            ..ResourceLimits::default()
        };
        assert!(resolve_limits(&settings, Some(&negative)).is_err());
        let nan = ResourceLimits {
            timeout_secs: Some(f64::NAN),
            ..ResourceLimits::default()
        };
        assert!(resolve_limits(&settings, Some(&nan)).is_err());
    }
}
