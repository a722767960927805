//! The pool of warm slots. Split by concern:
//! - `admission`: the bounded queue in front, its deadline, `Retry-After`, shutdown phases;
//! - `table`: the slot states and the lease that always gives a slot back;
//! - `supervisor`: refills dead slots;
//! - `limits`: a request's limits against the configured defaults and maximums;
//! - `outcome`: a zygote's reply as an `ExecutionResult`;
//! - `error`: why the pool could not start.
//!
//! An execution runs on a task of its own, started once it is admitted: the caller's future
//! may be dropped at any await point (a client that disconnects, a timeout) and the
//! execution still runs to its end, or is killed and reaped, and its slot comes back.

mod admission;
mod error;
mod limits;
mod outcome;
mod supervisor;
mod table;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument as _;

use serde::Serialize;

use super::cgroup::Hierarchy;
use super::init::Setup;
use super::lockdown::{Landlock, PlanSettings, Static, Syscalls};
use super::slot::{ExecuteError, Limits, Request, Slot, SlotError, SpawnConfig};
use crate::config::{ExecutorSettings, LimitSettings};
use crate::metrics::{Metrics, PoolGauges};
use crate::models::{ExecutionError, ExecutionResult, ExecutionStatus, ResourceLimits};
pub use admission::Admittee;
use admission::{Admission, Phase};
pub use error::PoolError;
pub use limits::resolve_limits;
pub use table::SlotCounts;
use table::{Lease, Table};

/// How long a slot may take beyond an execution's own timeout before the pool stops waiting
/// for it (the zygote enforces the timeout; this catches a zygote that hangs).
const BACKSTOP: Duration = Duration::from_secs(30);
/// Processes in a slot's own cgroup: its init and the zygote (a fork in progress briefly
/// adds the child before it moves to the executions' cgroup).
const ZYGOTE_PIDS: u32 = 8;

pub struct PoolOptions {
    pub settings: ExecutorSettings,
    /// The `pyexec` binary, started as `pyexec __sandbox-init` for each slot.
    pub program: PathBuf,
    /// The run-time import allowlist (the lightweight tier's modules).
    pub allowed_imports: Vec<String>,
    /// Allowed modules user code gets with only some attributes (`sys`), and those attributes.
    pub restricted_imports: std::collections::BTreeMap<String, Vec<String>>,
    /// Python guards on (operators may switch them off to test the OS layer alone).
    pub guards: bool,
    /// Whether every program was checked by the static validator before it reaches this
    /// pool: the layer list, which results report, then starts with `validator`.
    pub validated: bool,
    /// The heavy tier: data libraries, shared output folder, the heavy audit policy.
    pub heavy: Option<HeavyOptions>,
    /// Where the pool counts queue waits, refusals and slot replacements, and whose scrape
    /// reads its slot states and queue (from the end of its self-test on).
    pub metrics: Option<Arc<Metrics>>,
}

/// Where a heavy sandbox sees its inputs (read-only): `INPUT_DIR` in its programs.
pub const INPUT_DIR: &str = "/input";

/// What the job runner adds to a pool.
#[derive(Debug, Clone)]
pub struct HeavyOptions {
    /// Host folder bound at `/work`: the code's working directory and output folder.
    pub work_dir: PathBuf,
    /// Host folder bound read-only at `/input` (the job's staged inputs); without one,
    /// `/input` is an empty folder.
    pub input_dir: Option<PathBuf>,
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
    /// Receives the output as it is read (heavy jobs' live logs); `None` for most.
    pub progress: Option<crate::sandbox::Progress>,
}

/// The pool as health and readiness see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Whether the pool can take work now; `reasons` says why not.
    pub accepting: bool,
    pub reasons: Vec<String>,
    pub slots: usize,
    #[serde(flatten)]
    pub states: SlotCounts,
    pub queued: usize,
    pub max_queue: usize,
    pub active_executions: usize,
    /// Seconds the longest-running execution has held its slot.
    pub longest_busy_secs: Option<f64>,
    #[schema(value_type = Option<String>)]
    pub cgroup: Option<super::CgroupVersion>,
    pub layers: Vec<String>,
    /// Layers the operator allowed to be missing (`sandbox.allow_weaker`).
    pub missing_layers: Vec<String>,
}

struct Inner {
    settings: ExecutorSettings,
    program: PathBuf,
    setup: Setup,
    /// The first slot's host uid and gid; slot `n` runs as `uid + n`, `gid + n`.
    uid: Option<(u32, u32)>,
    plan_settings: PlanSettings,
    hierarchy: Option<Hierarchy>,
    guards: bool,
    table: Arc<Table>,
    admission: Admission,
    /// Executions admitted and not yet answered.
    active: AtomicUsize,
    layers: Vec<String>,
    missing: Vec<String>,
    /// Set once the self-test has passed: start-up is not counted.
    metrics: std::sync::OnceLock<Arc<Metrics>>,
}

#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

/// Counts an admitted execution until it is answered, whatever way it ends.
struct Active<'a>(&'a AtomicUsize);

impl<'a> Active<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Pool {
    /// Builds the sandbox and starts every slot. Fails, naming what is missing, when an
    /// isolation layer is unavailable and `sandbox.allow_weaker` is off.
    pub async fn start(options: PoolOptions) -> Result<Self, PoolError> {
        let settings = options.settings;
        let sandbox = &settings.sandbox;
        // First, whether the slots can make their namespaces at all (in a pod, the pod's
        // seccomp profile and user namespace decide): a missing layer is named, not found
        // failing deep inside a slot's set-up.
        super::preflight::namespaces()?;
        let mut missing = Vec::new();
        let hierarchy = match Hierarchy::create(
            &sandbox.cgroup_root,
            &format!("pyexec-{}", std::process::id()),
        ) {
            Ok(hierarchy) => Some(hierarchy),
            Err(err) if sandbox.allow_weaker => {
                tracing::warn!(error = %crate::telemetry::error_chain(&err), "cgroups unavailable; running without a cgroup per execution (sandbox.allow_weaker)");
                missing.push("cgroup".to_owned());
                None
            }
            Err(err) => return Err(PoolError::CgroupsRequired(err)),
        };
        let python =
            std::fs::canonicalize(&sandbox.python).map_err(|source| PoolError::Python {
                path: sandbox.python.clone(),
                source,
            })?;
        let seccomp = super::seccomp_program(super::SECCOMP_POLICY, options.heavy.is_none())?;
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
            landlock_read.push(INPUT_DIR.to_owned());
        }
        // What the heavy guards let Python code open (layer 2, below landlock): the runtime
        // and the inputs to read, the work folder to write; never /proc.
        let open_read: Vec<String> = landlock_read
            .iter()
            .filter(|p| p.as_str() != "/proc")
            .cloned()
            .collect();
        let abi = Landlock::kernel_abi();
        if abi < 1 {
            return Err(PoolError::NoLandlock);
        }
        let landlock = Landlock::for_abi(
            abi,
            landlock_read,
            vec!["/work".to_owned()],
            ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"]
                .map(str::to_owned)
                .to_vec(),
        );
        if !landlock.scopes_signals() {
            if !sandbox.allow_weaker {
                return Err(PoolError::LandlockCannotScope { abi });
            }
            tracing::warn!(
                abi,
                "landlock cannot scope signals here (sandbox.allow_weaker)"
            );
            missing.push("landlock_scope".to_owned());
        }
        let heavy = options.heavy.as_ref();
        let config = serde_json::json!({
            "heavy": heavy.is_some(),
            "sys_path": heavy.map(|h| h.sys_path.clone()).unwrap_or_default(),
            // The folders' names in the program's globals (heavy.toml's output_dir_names).
            "names": if heavy.is_some() {
                serde_json::json!({"OUTPUT_DIR": "/work", "INPUT_DIR": INPUT_DIR})
            } else {
                serde_json::json!({})
            },
            "preload": heavy.map_or_else(|| options.allowed_imports.clone(), |h| h.preload.clone()),
            "open_read": open_read,
            "open_write": ["/work"],
            "allowed_imports": options.allowed_imports,
            "restricted_imports": options.restricted_imports,
            "lockdown": Static {
                syscalls: Syscalls::native(),
                landlock,
                cgroup_fds,
                private_work: heavy.is_none(),
            },
        });
        let setup = Setup {
            python,
            runtime_paths,
            work_dir: heavy.map(|h| h.work_dir.clone()),
            input_dir: heavy.and_then(|h| h.input_dir.clone()),
            proc: heavy.is_some(),
            files: vec![
                ("zygote.py".to_owned(), super::ZYGOTE.as_bytes().to_vec()),
                (
                    "lockdown.py".to_owned(),
                    super::LOCKDOWN.as_bytes().to_vec(),
                ),
                ("guards.py".to_owned(), super::GUARDS.as_bytes().to_vec()),
                (
                    "config.json".to_owned(),
                    serde_json::to_vec(&config).map_err(PoolError::Config)?,
                ),
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
        let mut layers: Vec<String> = options
            .validated
            .then(|| "validator".to_owned())
            .into_iter()
            .collect();
        layers.extend(
            [
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
            .to_vec(),
        );
        if hierarchy.is_some() {
            layers.push("cgroup".to_owned());
        }
        if options.guards {
            layers.push("guards".to_owned());
        }
        let plan_settings = PlanSettings {
            max_open_files: sandbox.max_open_files,
            address_space_headroom: sandbox.address_space_headroom_mb << 20,
        };
        let size = settings.pool_size.max(1);
        let table = Arc::new(Table::new(size));
        let admission = Admission::new(
            Arc::clone(&table.permits),
            size,
            settings.max_queue,
            Duration::from_secs_f64(settings.queue_timeout_secs.max(0.0)),
        );
        let inner = Arc::new(Inner {
            table,
            admission,
            settings,
            program: options.program,
            setup,
            uid,
            plan_settings,
            hierarchy,
            guards: options.guards,
            active: AtomicUsize::new(0),
            layers,
            missing,
            metrics: std::sync::OnceLock::new(),
        });
        let pool = Self { inner };
        let defaults = pool.default_slot_limits();
        for index in 0..size {
            let mut slot = pool
                .start_slot(index)
                .await
                .map_err(|source| PoolError::StartSlot { index, source })?;
            slot.prepare(&defaults)
                .await
                .map_err(|source| PoolError::PrepareSlot { index, source })?;
            pool.inner.table.install(index, Some(slot));
        }
        // Self-test: every layer must come up in a real execution before we serve.
        let probe = Job {
            request_id: "startup-self-test".to_owned(),
            code: "print(6 * 7)".to_owned(),
            limits: pool.inner.settings.default_limits.clone(),
            progress: None,
        };
        // Within a request (a job's runner) it is a span of its own in the trace.
        let span = if crate::telemetry::in_request() {
            tracing::info_span!(target: crate::telemetry::SPANS, "sandbox self-test")
        } else {
            tracing::Span::none()
        };
        let result = pool
            .execute(probe)
            .instrument(span)
            .await
            .map_err(PoolError::SelfTest)?;
        if result.status != ExecutionStatus::Ok || result.stdout != "42\n" {
            return Err(PoolError::SelfTestResult {
                status: result.status,
                stdout: result.stdout,
                stderr: result.stderr,
                errors: result.errors,
            });
        }
        if let Some(metrics) = options.metrics {
            pool.count_in(metrics);
        }
        tokio::spawn(supervisor::supervise(Arc::downgrade(&pool.inner)));
        // Serve only once every slot is ready again after the self-test.
        let size = u32::try_from(size).map_err(|_| PoolError::TooLarge(size))?;
        drop(pool.inner.table.permits.acquire_many(size).await?);
        Ok(pool)
    }

    /// Counts in `metrics` from now on, and has its scrape read the slot states and queue.
    fn count_in(&self, metrics: Arc<Metrics>) {
        let weak = Arc::downgrade(&self.inner);
        metrics.watch_pool(move || {
            let inner = weak.upgrade()?;
            let health = Pool { inner }.health();
            Some(PoolGauges {
                ready: health.states.ready,
                busy: health.states.busy,
                rearming: health.states.rearming,
                dead: health.states.dead,
                queued: health.queued,
            })
        });
        let _ = self.inner.admission.metrics.set(Arc::clone(&metrics));
        let _ = self.inner.metrics.set(metrics);
    }

    /// A dead slot was replaced by a new one.
    pub(super) fn count_replacement(&self) {
        if let Some(metrics) = self.inner.metrics.get() {
            metrics.slot_replaced();
        }
    }

    async fn start_slot(&self, index: usize) -> Result<Slot, SlotError> {
        let inner = &self.inner;
        let (cgroup, zygote) = match &inner.hierarchy {
            Some(h) => {
                let zygote = h.zygote(index).map_err(SlotError::Cgroup)?;
                let sandbox = &inner.settings.sandbox;
                zygote
                    .prepare(sandbox.zygote_memory_mb << 20, ZYGOTE_PIDS, 1.0)
                    .map_err(SlotError::Cgroup)?;
                (
                    Some(h.slot(index).map_err(SlotError::Cgroup)?),
                    Some(zygote),
                )
            }
            None => (None, None),
        };
        // Each slot its own host uid: locks, IPC and /proc of one slot are another's only
        // through the kernel's own checks between users.
        let offset = u32::try_from(index)
            .map_err(|_| SlotError::Start(format!("slot index {index} is too large")))?;
        let config = SpawnConfig {
            program: &inner.program,
            setup: &inner.setup,
            uid: inner.uid.map(|(uid, gid)| (uid + offset, gid + offset)),
            start_timeout: Duration::from_secs(30),
            plan_settings: inner.plan_settings,
        };
        Slot::start(index, &config, cgroup, zygote.as_ref()).await
    }

    pub(super) fn default_slot_limits(&self) -> Limits {
        limits::slot_limits(&self.inner.settings.default_limits, self.inner.guards)
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

    /// Runs `job`: admits it (at once, after a bounded wait in the queue, or not at all),
    /// then runs it on a task of its own. Dropping the returned future before admission
    /// gives the queue place back; dropping it later leaves the execution running to its
    /// end, and its slot comes back as always.
    pub async fn execute(&self, job: Job) -> Result<ExecutionResult, ExecutionError> {
        self.execute_for(&Admittee::unlimited("pool"), job).await
    }

    /// As [`Pool::execute`], admitted as `who`: fair queuing between callers and `who`'s
    /// own limits (see `admission`).
    pub async fn execute_for(
        &self,
        who: &Admittee,
        job: Job,
    ) -> Result<ExecutionResult, ExecutionError> {
        // The execution's span (exported only): admission, the run and its retries.
        let span = if crate::telemetry::in_request() {
            tracing::info_span!(
                target: crate::telemetry::SPANS,
                "execution",
                status = tracing::field::Empty,
            )
        } else {
            tracing::Span::none()
        };
        let executed = self.admit_and_run(who, job).instrument(span.clone()).await;
        if !span.is_disabled() {
            match &executed {
                Ok(result) => {
                    span.record("status", crate::metrics::status_label(result.status));
                }
                Err(_) => crate::telemetry::mark_failed(&span),
            }
        }
        executed
    }

    async fn admit_and_run(
        &self,
        who: &Admittee,
        job: Job,
    ) -> Result<ExecutionResult, ExecutionError> {
        let rearming = self.inner.table.rearming();
        let admitted = self.inner.admission.admit(who, rearming).await?;
        let active = Arc::clone(&self.inner);
        let pool = self.clone();
        // The task runs in the request's span: its log lines carry the request's fields.
        let task = tokio::spawn(
            async move {
                let _active = Active::new(&active.active);
                // The caller's share is held until the execution has ended, retries included.
                let _hold = admitted.hold;
                pool.run(job, admitted.permit).await
            }
            .instrument(tracing::Span::current()),
        );
        task.await.unwrap_or_else(|err| {
            tracing::error!(error = %crate::telemetry::error_chain(&err), "execution task failed");
            Err(ExecutionError::SandboxSetup {
                message: format!("the execution task failed: {err}"),
            })
        })
    }

    /// One admitted execution, with retries of infrastructure failures (a slot that died,
    /// a child that could not be set up). Between attempts the slot is given back and the
    /// permit too; a retry waits for a permit like a queued request.
    async fn run(
        &self,
        job: Job,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<ExecutionResult, ExecutionError> {
        let inner = &self.inner;
        let request = Request {
            code: job.code,
            max_output: job.limits.max_output_bytes,
            limits: limits::slot_limits(&job.limits, inner.guards),
            progress: job.progress,
        };
        let backstop = Duration::from_secs_f64(job.limits.timeout_secs) + BACKSTOP;
        let mut phase = inner.admission.phase.subscribe();
        let mut permit = Some(permit);
        let mut errors = Vec::new();
        let attempts = inner.settings.max_retries + 1;
        for attempt in 0..attempts {
            if attempt > 0 {
                if inner.admission.phase() != Phase::Open {
                    errors.push("not retried: the executor is shutting down".to_owned());
                    break;
                }
                let backoff = (1u64 << (attempt - 1).min(16)).min(inner.settings.max_backoff_secs);
                tracing::warn!(
                    attempt,
                    backoff_secs = backoff,
                    "retrying after an infrastructure failure"
                );
                tokio::time::sleep(Duration::from_secs(backoff)).await;
            }
            let granted = match permit.take() {
                Some(permit) => permit,
                None => match inner.admission.wait(backstop).await {
                    Ok(permit) => permit,
                    Err(err) => {
                        errors.push(format!("attempt {}: {err}", attempt + 1));
                        break;
                    }
                },
            };
            let mut lease = inner.table.take(granted);
            if lease.live_slot().is_none() {
                match self.start_slot(lease.index()).await {
                    Ok(slot) => {
                        lease.install(slot);
                        self.count_replacement();
                    }
                    Err(err) => {
                        errors.push(format!("attempt {}: starting a slot: {err:#}", attempt + 1));
                        continue;
                    }
                }
            }
            let index = lease.index();
            let Some(slot) = lease.slot_mut() else {
                errors.push(format!("attempt {}: no slot", attempt + 1));
                continue;
            };
            let started = Instant::now();
            let outcome = tokio::select! {
                outcome = tokio::time::timeout(backstop, slot.execute(&request)) => outcome,
                // The grace period is over: the lease's drop kills the slot's processes.
                () = async { let _ = phase.wait_for(|p| *p == Phase::Killing).await; } => {
                    tracing::warn!(slot = index, "execution killed at the end of the shutdown grace period");
                    return Err(ExecutionError::ShuttingDown);
                }
            };
            inner.admission.record_hold(started.elapsed());
            match outcome {
                Ok(Ok((reply, usage))) => {
                    let cgroups = inner.hierarchy.is_some();
                    let result =
                        outcome::result(&job.request_id, reply, &usage, cgroups, &inner.layers);
                    self.rearm(lease, request.limits);
                    return Ok(result);
                }
                Ok(Err(ExecuteError::BeforeCode(err))) => {
                    tracing::error!(slot = index, error = %crate::telemetry::error_chain(&err), "sandbox slot failed before the code started; replacing it");
                    errors.push(format!("attempt {}: {err}", attempt + 1));
                }
                Ok(Err(ExecuteError::AfterCode(err))) => {
                    // User code that has started never runs a second time.
                    tracing::error!(slot = index, error = %crate::telemetry::error_chain(&err), "sandbox slot failed while the code ran; replacing it");
                    errors.push(format!("attempt {}: {err}", attempt + 1));
                    errors.push("not retried: the code had started".to_owned());
                    return Err(ExecutionError::RetriesExhausted {
                        attempts: attempt + 1,
                        errors,
                    });
                }
                Err(_) => {
                    tracing::error!(slot = index, "sandbox slot did not answer; replacing it");
                    errors.push(format!(
                        "attempt {}: the slot did not answer within {backstop:?}",
                        attempt + 1
                    ));
                    errors.push("not retried: the code had started".to_owned());
                    return Err(ExecutionError::RetriesExhausted {
                        attempts: attempt + 1,
                        errors,
                    });
                }
            }
            // `lease` drops here: the broken slot is killed and the supervisor replaces it.
        }
        Err(ExecutionError::RetriesExhausted { attempts, errors })
    }

    /// Hands a slot back once its next child is prepared (with the limits its last request
    /// used), in the background: the answer does not wait for it, but the slot's permit
    /// does, so no request can take the slot half-ready.
    fn rearm(&self, lease: Lease, limits: Limits) {
        let mut lease = lease.rearming();
        let pool = self.clone();
        tokio::spawn(async move {
            if pool.inner.admission.phase() != Phase::Open {
                return; // the lease's drop kills the slot
            }
            let Some(slot) = lease.slot_mut() else { return };
            match slot.prepare(&limits).await {
                Ok(()) => lease.ready(),
                Err(err) => {
                    tracing::error!(slot = lease.index(), error = %crate::telemetry::error_chain(&err), "sandbox slot failed to prepare; replacing it");
                }
            }
        });
    }

    /// The pool's state, and whether it can take work: not when no slot is usable, the
    /// queue is full, it is shutting down or a layer is missing that was not allowed to be.
    pub fn health(&self) -> Health {
        let inner = &self.inner;
        let states = inner.table.counts();
        let queued = inner.admission.queued();
        let max_queue = inner.admission.max_queue();
        let mut reasons = Vec::new();
        if inner.admission.phase() != Phase::Open {
            reasons.push("shutting down".to_owned());
        }
        if states.ready + states.busy + states.rearming == 0 {
            reasons.push(format!(
                "no usable sandbox slot: all {} are dead",
                states.dead
            ));
        }
        if queued >= max_queue && states.ready == 0 {
            reasons.push(format!("the queue is full ({queued} of {max_queue})"));
        }
        if !inner.missing.is_empty() && !inner.settings.sandbox.allow_weaker {
            reasons.push(format!("missing layers: {}", inner.missing.join(", ")));
        }
        Health {
            accepting: reasons.is_empty(),
            reasons,
            slots: inner.table.size(),
            states,
            queued,
            max_queue,
            active_executions: inner.active.load(Ordering::SeqCst),
            longest_busy_secs: inner.table.longest_busy().map(|d| d.as_secs_f64()),
            cgroup: inner.hierarchy.as_ref().map(|h| h.version),
            layers: inner.layers.clone(),
            missing_layers: inner.missing.clone(),
        }
    }

    /// Stops admitting work: queued callers are answered `ShuttingDown` at once.
    pub fn begin_shutdown(&self) {
        self.inner.admission.phase.send_if_modified(|phase| {
            let open = *phase == Phase::Open;
            if open {
                *phase = Phase::Draining;
            }
            open
        });
    }

    /// Stops taking work, gives running executions `grace` to finish, then kills what still
    /// runs (answered `ShuttingDown`), every slot, and removes the cgroups.
    pub async fn shutdown(&self, grace: Duration) {
        let inner = &self.inner;
        self.begin_shutdown();
        let deadline = tokio::time::Instant::now() + grace;
        while inner.active.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        inner.admission.phase.send_replace(Phase::Killing);
        inner.table.permits.close();
        // Killed executions answer within moments; re-arming slots see the phase and end.
        let settle = tokio::time::Instant::now() + Duration::from_secs(2);
        while tokio::time::Instant::now() < settle {
            let states = inner.table.counts();
            if inner.active.load(Ordering::SeqCst) == 0 && states.busy + states.rearming == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let slots = inner.table.drain_ready();
        let hierarchy = inner.hierarchy.clone();
        let _ = tokio::task::spawn_blocking(move || {
            for slot in slots {
                slot.kill();
            }
            if let Some(hierarchy) = hierarchy {
                hierarchy.remove();
            }
        })
        .await;
    }
}
