//! The executor role: one request path for every entry point (REST today, event triggers
//! next): a program is checked, validated and either run in the sandbox pool or handed to
//! the heavy-job backend, on behalf of an authenticated caller who is admitted fairly.

pub mod api;

use std::sync::Arc;
use std::time::Instant;

use crate::jobs::{JobService, JobsError};
use crate::metrics::Metrics;
use crate::models::{
    Caller, CodeExecutionRequest, ExecutionError, ExecutionResult, JobCreated, JobRecord,
    TierChoice,
};
use crate::sandbox::{Admittee, Job, Pool};
use crate::validator::Validator;

/// What one submission turned into, before HTTP.
#[derive(Debug)]
pub enum Failure {
    /// The request is wrong (limits above the maximums, the wrong tier for the endpoint,
    /// code no interpreter can take, a request id that cannot name a job).
    BadRequest(String),
    Execution(ExecutionError),
    /// This executor does not run heavy jobs.
    NoJobs,
    /// The job backend could not take the job.
    Jobs(String),
    /// The request id already names another caller's job.
    Conflict(String),
}

/// Where a submitted program goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Run it here, now (`execute_snippet`): the lightweight tier's rules.
    Run,
    /// Start a heavy job (`create_heavy_job`): the runner applies the heavy tier's rules.
    Job,
    /// Let the request's `tier`, or the classifier when it is `auto`, choose (event
    /// triggers, which have no endpoint to pick).
    Classify,
}

/// What a submission became.
#[derive(Debug)]
pub enum Submitted {
    Ran(ExecutionResult),
    Job(JobCreated),
}

/// Programs up to this size are validated on the request's own task (about 0.2 ms for 200
/// lines, measured in `benches/validator.rs`); bigger ones on the blocking pool, so that a
/// large program cannot stall the runtime's workers.
const INLINE_VALIDATION_BYTES: usize = 8 * 1024;

/// How callers are admitted: the caps that apply to a caller with no override of its own.
#[derive(Debug, Clone, Copy)]
pub struct AdmissionPolicy {
    pub max_concurrent: usize,
    pub max_queued: usize,
}

impl AdmissionPolicy {
    /// From the executor settings: `open` services have one caller, who is not capped.
    pub fn from_settings(settings: &crate::config::ExecutorSettings, open: bool) -> Self {
        if open {
            return Self {
                max_concurrent: usize::MAX,
                max_queued: usize::MAX,
            };
        }
        let pool = settings.pool_size.max(1);
        Self {
            max_concurrent: match settings.max_concurrent_per_caller {
                0 => (pool / 3).max(1),
                n => n,
            },
            max_queued: match settings.max_queued_per_caller {
                0 => (settings.max_queue / 4).max(1),
                n => n,
            },
        }
    }
}

pub struct Executor {
    pub pool: Pool,
    validator: Arc<Validator>,
    /// Static validation on (operators may switch it off to test the lower layers alone;
    /// the pool's layer list says so).
    validate: bool,
    /// Heavy jobs; `None` where this executor does not start them.
    jobs: Option<Arc<JobService>>,
    admission: AdmissionPolicy,
    /// Where executions and validations are counted ([`Executor::count_in`]).
    metrics: Option<Arc<Metrics>>,
}

impl Executor {
    pub fn new(
        pool: Pool,
        validator: Validator,
        validate: bool,
        jobs: Option<Arc<JobService>>,
        admission: AdmissionPolicy,
    ) -> Self {
        Self {
            pool,
            validator: Arc::new(validator),
            validate,
            jobs,
            admission,
            metrics: None,
        }
    }

    /// Counts executions, their durations and validation verdicts in `metrics`.
    #[must_use]
    pub fn count_in(mut self, metrics: Option<Arc<Metrics>>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Every layer in force, as results report them (the pool's list, fixed once started).
    pub fn layers(&self) -> &[String] {
        self.pool.layers()
    }

    pub fn validates(&self) -> bool {
        self.validate
    }

    pub fn jobs(&self) -> Option<&Arc<JobService>> {
        self.jobs.as_ref()
    }

    fn admittee(&self, caller: &Caller) -> Admittee {
        Admittee {
            caller: caller.id.clone(),
            max_concurrent: caller
                .max_concurrent
                .filter(|n| *n > 0)
                .unwrap_or(self.admission.max_concurrent),
            max_queued: self.admission.max_queued,
        }
    }

    /// The one request path: every entry point (REST, event triggers) submits here. The code
    /// is checked, routed (see [`Route`]; `auto` is decided by the classifier), then run in the
    /// sandbox on `caller`'s share or handed to the job backend as `caller`'s job.
    pub async fn submit(
        &self,
        caller: &Caller,
        request: CodeExecutionRequest,
        request_id: String,
        route: Route,
    ) -> Result<Submitted, Failure> {
        request.check_code().map_err(Failure::BadRequest)?;
        let route = match (route, request.tier) {
            (Route::Classify, TierChoice::Heavy) => Route::Job,
            (Route::Classify, TierChoice::Lightweight) => Route::Run,
            (Route::Classify, TierChoice::Auto) => {
                let verdict = self.validator.validate(&request.code, TierChoice::Auto);
                tracing::info!(tier = %verdict.tier, reasons = verdict.reasons.len(), "classified");
                if verdict.tier == crate::models::Tier::Heavy {
                    Route::Job
                } else {
                    Route::Run
                }
            }
            (route, _) => route,
        };
        match route {
            Route::Job => self
                .create_job(caller, &request, &request_id)
                .map(Submitted::Job),
            _ => self
                .execute(caller, request, request_id)
                .await
                .map(Submitted::Ran),
        }
    }

    /// Runs a lightweight program for `caller` (code checked by `submit`): validated (a
    /// refusal is a result with status `rejected`), admitted fairly and run in the sandbox.
    async fn execute(
        &self,
        caller: &Caller,
        request: CodeExecutionRequest,
        request_id: String,
    ) -> Result<ExecutionResult, Failure> {
        if request.tier == TierChoice::Heavy {
            return Err(Failure::BadRequest(
                "heavy code does not run here: use POST /api/v1/create_heavy_job".to_owned(),
            ));
        }
        let limits = self
            .pool
            .limits(request.limits.as_ref())
            .map_err(Failure::Execution)?;
        let started = Instant::now();
        if self.validate {
            let verdict = if request.code.len() <= INLINE_VALIDATION_BYTES {
                // A few microseconds: cheaper than a hand-off to the blocking pool, which
                // costs hundreds of microseconds on a busy two-core machine.
                self.validator
                    .validate(&request.code, TierChoice::Lightweight)
            } else {
                let validator = Arc::clone(&self.validator);
                let code = request.code.clone();
                let span = tracing::Span::current();
                tokio::task::spawn_blocking(move || {
                    span.in_scope(|| validator.validate(&code, TierChoice::Lightweight))
                })
                .await
                .map_err(|e| {
                    Failure::Execution(ExecutionError::SandboxSetup {
                        message: format!("validation task failed: {e}"),
                    })
                })?
            };
            tracing::info!(
                valid = verdict.valid,
                findings = verdict.findings.len(),
                elapsed_us = verdict.elapsed_us,
                "validated"
            );
            if let Some(metrics) = &self.metrics {
                let rules = verdict.findings.iter().map(|f| f.code.as_str());
                metrics.validation(verdict.valid, rules);
            }
            if !verdict.valid {
                if let Some(metrics) = &self.metrics {
                    metrics.execution("rejected", started.elapsed());
                }
                return Ok(ExecutionResult::rejected(request_id, verdict.findings));
            }
        }
        let job = Job {
            request_id: request_id.clone(),
            code: request.code,
            limits,
        };
        let outcome = self.pool.execute_for(&self.admittee(caller), job).await;
        if let Some(metrics) = &self.metrics {
            let status = match &outcome {
                Ok(result) => crate::metrics::status_label(result.status),
                Err(err) => refusal_label(err),
            };
            metrics.execution(status, started.elapsed());
        }
        let result = outcome.map_err(Failure::Execution)?;
        tracing::info!(
            caller = %caller.id,
            status = ?result.status,
            duration_ms = result.duration_ms,
            cpu_ms = result.cpu_ms,
            peak_memory_kb = result.peak_memory_kb,
            "executed"
        );
        Ok(result)
    }

    /// Starts a heavy job owned by `caller` (or returns the one its request id already
    /// has). The runner validates the code with the heavy tier's rules before it runs.
    fn create_job(
        &self,
        caller: &Caller,
        request: &CodeExecutionRequest,
        request_id: &str,
    ) -> Result<JobCreated, Failure> {
        let jobs = self.jobs.as_ref().ok_or(Failure::NoJobs)?;
        match jobs.create(request, request_id, &caller.id) {
            Ok(created) => {
                tracing::info!(caller = %caller.id, job_id = %created.job_id, "heavy job created");
                Ok(created)
            }
            Err(JobsError::BadRequest(message)) => Err(Failure::BadRequest(message)),
            Err(err @ JobsError::Conflict(_)) => Err(Failure::Conflict(err.to_string())),
            Err(err) => Err(Failure::Jobs(err.to_string())),
        }
    }

    /// A job `caller` may see: its own, or any with `admin`; `Ok(None)` for one that does
    /// not exist or is another caller's (the two are not told apart). With `wait`, the job
    /// once done or as it is when `wait` runs out.
    pub async fn job(
        &self,
        caller: &Caller,
        job_id: &str,
        wait: Option<std::time::Duration>,
    ) -> Result<Option<JobRecord>, Failure> {
        let jobs = self.jobs.as_ref().ok_or(Failure::NoJobs)?;
        // Ownership first: another caller's job is not waited on either.
        let Some(record) = jobs.get(job_id) else {
            return Ok(None);
        };
        if !caller.may_see(record.owner.as_deref()) {
            return Ok(None);
        }
        Ok(match wait {
            Some(within) => jobs.wait(job_id, within).await,
            None => Some(record),
        })
    }
}

/// Why the pool gave no result, as a metrics label.
fn refusal_label(err: &ExecutionError) -> &'static str {
    match err {
        ExecutionError::Busy { .. } => "busy",
        ExecutionError::QueueTimeout { .. } => "queue_timeout",
        ExecutionError::CallerLimit { .. } => "caller_limit",
        ExecutionError::ShuttingDown => "shutdown",
        ExecutionError::RetriesExhausted { .. } => "internal_error",
        ExecutionError::SandboxSetup { .. } => "sandbox_unavailable",
        ExecutionError::LimitTooHigh { .. } | ExecutionError::LimitInvalid { .. } => "bad_request",
    }
}
