//! The executor role: one request path for every entry point (REST today, event triggers
//! next): a program is checked, validated and either run in the sandbox pool or handed to
//! the heavy-job backend, on behalf of an authenticated caller who is admitted fairly.

pub mod api;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::history::{Claim, Filter, History, Received, Row};
use crate::jobs::{JobService, JobsError};
use crate::metrics::Metrics;
use crate::models::{
    Caller, CodeExecutionRequest, CompletionSink, ExecutionError, ExecutionRecord, ExecutionResult,
    HistoryPage, JobCreated, JobRecord, RunStatus, Source, Tier, TierChoice,
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
    /// The request id was already used for another program (or names another caller's
    /// job).
    Conflict(String),
    /// This executor keeps no run history (`history.enabled = false`).
    NoHistory,
    /// The run history's database failed.
    History(String),
}

impl Failure {
    /// The text a refusal is recorded with.
    fn describe(&self) -> String {
        match self {
            Failure::BadRequest(m) | Failure::Jobs(m) | Failure::Conflict(m) => m.clone(),
            Failure::Execution(err) => err.to_string(),
            Failure::NoJobs => "this executor does not run heavy jobs".to_owned(),
            Failure::NoHistory => "no run history".to_owned(),
            Failure::History(m) => m.clone(),
        }
    }
}

/// Where and when a request arrived, as the history records it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub source: Source,
    pub received_at: SystemTime,
    /// The caller chose the request id (a header or the body): a resend of the same program
    /// under it is answered from the history, another program under it is a conflict.
    /// Server-made ids are new by construction and need no look-up.
    pub id_chosen: bool,
    /// Generation rounds of the LLM query that wrote the program.
    pub attempts: Option<u32>,
    /// When the request is answered from its record (a resend), publish that record's
    /// completion event again: a redelivered event message, whose first delivery may have
    /// ended between the record and the event. The event is the same one (same `event_id`).
    pub republish: bool,
}

impl Origin {
    pub fn new(source: Source, id_chosen: bool) -> Self {
        Self {
            source,
            received_at: SystemTime::now(),
            id_chosen,
            attempts: None,
            republish: false,
        }
    }
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
    /// Where every request is recorded ([`Executor::record_in`]).
    history: Option<History>,
    /// Where finished requests are announced ([`Executor::publish_in`]).
    completions: Option<Arc<dyn CompletionSink>>,
}

/// How long a request that must be recorded durably (an event trigger) waits for the
/// history database before it is handed back as a transient failure.
const DURABLE_WRITE_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

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
            history: None,
            completions: None,
        }
    }

    /// Publishes a completion event for every request that finishes here (lightweight runs;
    /// heavy jobs are announced by their runner, see `crate::jobs`).
    #[must_use]
    pub fn publish_in(mut self, completions: Option<Arc<dyn CompletionSink>>) -> Self {
        self.completions = completions;
        self
    }

    /// Publishes `event` to the completion sink, when there is one.
    pub fn announce(&self, event: Option<crate::models::CompletionEvent>) {
        if let (Some(sink), Some(event)) = (&self.completions, event) {
            sink.publish(event);
        }
    }

    /// Records every request in `history`, and answers resent request ids from it.
    #[must_use]
    pub fn record_in(mut self, history: Option<History>) -> Self {
        self.history = history;
        self
    }

    pub fn history(&self) -> Option<&History> {
        self.history.as_ref()
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

    /// The one request path: every entry point (REST, LLM queries, event triggers, the CLI)
    /// submits here. The code is checked, routed (see [`Route`]; `auto` is decided by the
    /// classifier), then run in the sandbox on `caller`'s share or handed to the job backend
    /// as `caller`'s job; the request is recorded in the run history, and a request id the
    /// caller already used is answered from its record (see [`Origin::id_chosen`]).
    pub async fn submit(
        &self,
        caller: &Caller,
        request: CodeExecutionRequest,
        request_id: String,
        route: Route,
        origin: Origin,
    ) -> Result<Submitted, Failure> {
        let received = self.history.as_ref().map(|history| Received {
            id: crate::jobs::job_id_for(&caller.id, &request_id),
            request_id: request_id.clone(),
            owner: caller.id.clone(),
            source: origin.source,
            received_at: crate::history::millis(origin.received_at),
            code_sha256: crate::history::code_hash(&request.code),
            code: history.stores_code().then(|| request.code.clone()),
            attempts: origin.attempts,
            traceparent: crate::telemetry::current_traceparent(),
        });
        let refuse = |failure: Failure| {
            if let (Some(history), Some(received)) = (&self.history, &received) {
                let mut row = Row::new(received, RunStatus::Refused);
                row.error = Some(failure.describe());
                history.record(row);
            }
            failure
        };
        if let Err(message) = request.check_code() {
            return Err(refuse(Failure::BadRequest(message)));
        }
        let mut reasons = Vec::new();
        if !request.inputs.is_empty()
            && (route == Route::Run || request.tier == TierChoice::Lightweight)
        {
            return Err(refuse(Failure::BadRequest(
                "inputs are staged for heavy jobs only: send the request as a heavy job (tier \"heavy\" or \"auto\", POST /api/v1/create_heavy_job)".to_owned(),
            )));
        }
        let route = match (route, request.tier) {
            (Route::Classify, _) if !request.inputs.is_empty() => {
                reasons.push("the request names inputs".to_owned());
                Route::Job
            }
            (Route::Classify, TierChoice::Heavy) => Route::Job,
            (Route::Classify, TierChoice::Lightweight) => Route::Run,
            (Route::Classify, TierChoice::Auto) => {
                let verdict = self.validator.validate(&request.code, TierChoice::Auto);
                tracing::info!(tier = %verdict.tier, reasons = verdict.reasons.len(), "classified");
                reasons = verdict
                    .reasons
                    .iter()
                    .map(|r| format!("line {}: {}", r.line, r.detail))
                    .collect();
                if verdict.tier == Tier::Heavy {
                    Route::Job
                } else {
                    Route::Run
                }
            }
            (route, _) => route,
        };
        let heavy = route == Route::Job;
        let (Some(history), Some(received)) = (&self.history, received) else {
            let outcome = self
                .dispatch(caller, request, request_id.clone(), route)
                .await;
            if let Ok(Submitted::Ran(result)) = &outcome {
                self.announce(Some(unrecorded_event(caller, &request_id, &origin, result)));
            }
            return outcome;
        };
        // An event trigger settles its message once this returns Ok: its record must be in
        // the database by then, and a database that cannot be asked is a transient failure
        // (the message comes back), never a reason to run the program unchecked.
        let durable = origin.source == Source::Event;
        let history_failed = |err: crate::history::HistoryError| {
            Failure::History(crate::telemetry::error_chain(&err))
        };
        let claim = if origin.id_chosen {
            match history.claim(&received, heavy).await {
                Ok(Claim::New(guard)) => Some(guard),
                Ok(Claim::Recorded(row)) => {
                    tracing::info!(
                        status = row.status.as_str(),
                        "request id already recorded: answering from the history"
                    );
                    if durable && row.job_id.is_none() {
                        history
                            .ensure_durable(&row.id, DURABLE_WRITE_WITHIN)
                            .await
                            .map_err(history_failed)?;
                    }
                    if origin.republish {
                        self.announce(row.completion_event());
                    }
                    // A job as its service sees it now, when this instance follows it.
                    if let Some(record) = row
                        .job_id
                        .as_deref()
                        .and_then(|id| self.jobs.as_ref()?.get(id))
                    {
                        return Ok(Submitted::Job(JobCreated {
                            job_id: record.job_id,
                            status: record.status,
                            created_at: record.created_at,
                        }));
                    }
                    return replay(&row, &request_id);
                }
                Ok(Claim::Conflict(message)) => return Err(Failure::Conflict(message)),
                Err(err) if durable => {
                    tracing::warn!(error = %crate::telemetry::error_chain(&err), "cannot look the request id up in the history; not running it now");
                    return Err(history_failed(err));
                }
                Err(err) => {
                    // Readiness reports the database; the work itself does not wait for it.
                    tracing::error!(error = %crate::telemetry::error_chain(&err), "cannot look the request id up in the history; running it unchecked");
                    None
                }
            }
        } else {
            None
        };
        let outcome = self.dispatch(caller, request, request_id, route).await;
        match &outcome {
            Ok(Submitted::Ran(result)) => {
                let mut row = Row::ran(&received, result);
                row.tier_reasons = reasons;
                let event = row.completion_event();
                match (claim, durable) {
                    (Some(guard), false) => guard.finish(row),
                    (None, false) => history.record(row),
                    (Some(guard), true) => guard
                        .finish_durably(row, DURABLE_WRITE_WITHIN)
                        .await
                        .map_err(history_failed)?,
                    (None, true) => history
                        .record_durably(row, DURABLE_WRITE_WITHIN)
                        .await
                        .map_err(history_failed)?,
                }
                self.announce(event);
            }
            Ok(Submitted::Job(created)) => {
                let mut row = Row::new(&received, created.status.into());
                row.tier = Some(Tier::Heavy);
                row.tier_reasons = reasons;
                row.job_id = Some(created.job_id.clone());
                // The job's own creation time, as its record shows it.
                if let Some(at) = crate::history::parse_time(&created.created_at) {
                    row.received_at = at;
                }
                if let Err(err) = history.record_job(&row).await {
                    tracing::error!(job_id = %created.job_id, error = %crate::telemetry::error_chain(&err), "the job is not in the history");
                    if durable {
                        // The job is kept by its backend: a redelivery finds it again.
                        return Err(history_failed(err));
                    }
                }
                drop(claim);
            }
            Err(failure) => {
                drop(claim);
                let mut row = Row::new(&received, RunStatus::Refused);
                row.error = Some(failure.describe());
                history.record(row);
            }
        }
        outcome
    }

    async fn dispatch(
        &self,
        caller: &Caller,
        request: CodeExecutionRequest,
        request_id: String,
        route: Route,
    ) -> Result<Submitted, Failure> {
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
            progress: None,
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

    /// The output of a job of the caller's (any job's with `admin`) from `offset` on, and
    /// the offset to ask from next (see `JobService::logs_since`).
    pub async fn job_logs_since(
        &self,
        caller: &Caller,
        job_id: &str,
        offset: u64,
    ) -> Result<Option<(crate::models::JobLogs, u64)>, Failure> {
        let Some(record) = self.job(caller, job_id, None).await? else {
            return Ok(None);
        };
        let jobs = self.jobs.as_ref().ok_or(Failure::NoJobs)?;
        Ok(Some(jobs.logs_since(&record, offset).await))
    }

    /// The output so far of a job of the caller's (any job's with `admin`).
    pub async fn job_logs(
        &self,
        caller: &Caller,
        job_id: &str,
    ) -> Result<Option<crate::models::JobLogs>, Failure> {
        let Some((mut logs, mut offset)) = self.job_logs_since(caller, job_id, 0).await? else {
            return Ok(None);
        };
        // The rest of the log, a bounded read at a time, while reads make progress.
        while !logs.complete {
            let Some((more, next)) = self.job_logs_since(caller, job_id, offset).await? else {
                break;
            };
            if more.complete {
                // It ended meanwhile: its result has all of it.
                logs = more;
                break;
            }
            if next == offset {
                break;
            }
            logs.stdout.push_str(&more.stdout);
            logs.stderr.push_str(&more.stderr);
            offset = next;
        }
        Ok(Some(logs))
    }

    /// The files a job of the caller's wrote (any job's with `admin`): `Ok(None)` for no
    /// such job; `Failure::Conflict` while it has not finished.
    pub async fn job_outputs(
        &self,
        caller: &Caller,
        job_id: &str,
    ) -> Result<Option<crate::models::JobOutputs>, Failure> {
        let Some(record) = self.job(caller, job_id, None).await? else {
            return Ok(None);
        };
        let jobs = self.jobs.as_ref().ok_or(Failure::NoJobs)?;
        let files = jobs
            .outputs(&record.job_id)
            .await
            .map_err(|e| Failure::Jobs(crate::telemetry::error_chain(&e)))?;
        match files {
            Some(files) => Ok(Some(crate::models::JobOutputs {
                job_id: record.job_id,
                files,
            })),
            None if matches!(
                record.status,
                crate::models::JobStatus::Pending | crate::models::JobStatus::Running
            ) =>
            {
                Err(Failure::Conflict(format!(
                    "job {} has not finished: its outputs are listed once it ends",
                    record.job_id
                )))
            }
            // Ended without writing outputs (rejected, failed before its code ran, or
            // finished before outputs were listed).
            None => Ok(Some(crate::models::JobOutputs {
                job_id: record.job_id,
                files: Vec::new(),
            })),
        }
    }

    /// A stream of `range` of `file` (`None` for the whole file), an entry of the listing
    /// [`Executor::job_outputs`] gave the caller for `job_id` (which checked who may see it):
    /// only names a job's manifest lists are ever served.
    pub async fn job_output(
        &self,
        job_id: &str,
        file: &crate::models::OutputFile,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<
        impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send + 'static,
        Failure,
    > {
        let jobs = self.jobs.as_ref().ok_or(Failure::NoJobs)?;
        jobs.output_stream(job_id, &file.name, range.unwrap_or(0..file.size))
            .await
            .map_err(|e| Failure::Jobs(crate::telemetry::error_chain(&e)))
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
        // Only a job id (a DNS label) can name a job: anything else is looked up nowhere.
        if job_id.is_empty()
            || job_id.len() > 63
            || !job_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Ok(None);
        }
        // Ownership first: another caller's job is not waited on either.
        let record = match jobs.get(job_id) {
            Some(record) => record,
            // Not followed here (a Kubernetes job of another replica or of an earlier run):
            // as the history last saw it.
            None => match &self.history {
                Some(history) => match history.get(job_id).await {
                    Ok(Some(row)) => match row.to_job() {
                        Some(record) if caller.may_see(record.owner.as_deref()) => {
                            return Ok(Some(record))
                        }
                        _ => return Ok(None),
                    },
                    Ok(None) => return Ok(None),
                    Err(err) => return Err(Failure::History(crate::telemetry::error_chain(&err))),
                },
                None => return Ok(None),
            },
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

impl Executor {
    fn history_or_fail(&self) -> Result<&History, Failure> {
        self.history.as_ref().ok_or(Failure::NoHistory)
    }

    /// A page of the run history that `caller` may see (its own records; any with `admin`,
    /// narrowed by `filter.owner` when set).
    pub async fn executions(
        &self,
        caller: &Caller,
        filter: Filter,
    ) -> Result<HistoryPage, Failure> {
        let history = self.history_or_fail()?;
        let mut filter = filter;
        if !caller.is_admin() {
            filter.owner = Some(caller.id.clone());
        }
        let limit = filter.limit.clamp(1, crate::history::MAX_PAGE);
        // One more than asked: whether there is a next page.
        filter.limit = limit + 1;
        let mut rows = history
            .list(&filter)
            .await
            .map_err(|e| Failure::History(crate::telemetry::error_chain(&e)))?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(r.received_at, &r.id))
        } else {
            None
        };
        Ok(HistoryPage {
            items: rows.iter().map(|r| r.to_record(false)).collect(),
            next_cursor,
        })
    }

    /// The record of `caller`'s request `request_id` (with `admin`: its own, else the newest
    /// of any caller's), with its program and result.
    pub async fn execution(
        &self,
        caller: &Caller,
        request_id: &str,
    ) -> Result<Option<ExecutionRecord>, Failure> {
        let history = self.history_or_fail()?;
        // Only a request id can name a record: anything else is looked up nowhere.
        if !crate::models::sane_request_id(request_id) {
            return Ok(None);
        }
        let fail =
            |e: crate::history::HistoryError| Failure::History(crate::telemetry::error_chain(&e));
        let own = history
            .get(&crate::jobs::job_id_for(&caller.id, request_id))
            .await
            .map_err(fail)?
            .filter(|row| row.request_id == request_id);
        let row = match own {
            Some(row) => Some(row),
            None if caller.is_admin() => history
                .by_request_id(request_id)
                .await
                .map_err(fail)?
                .into_iter()
                .next(),
            None => None,
        };
        Ok(row.map(|r| r.to_record(true)))
    }

    /// Cancels `caller`'s job (any job with `admin`): the job as it is after the request,
    /// `None` when the caller may not see it or it does not exist.
    pub async fn cancel_job(
        &self,
        caller: &Caller,
        job_id: &str,
    ) -> Result<Option<JobRecord>, Failure> {
        let jobs = self.jobs.as_ref().ok_or(Failure::NoJobs)?;
        let Some(record) = self.job(caller, job_id, None).await? else {
            return Ok(None);
        };
        if record.status.is_done() {
            return Ok(Some(record));
        }
        let why = format!("cancelled by {}", caller.id);
        match jobs.cancel(job_id, &why).await {
            Ok(_) => {}
            Err(err) => return Err(Failure::Jobs(err.to_string())),
        }
        // A pending job ends at once; a running one once its runner or Job is gone.
        Ok(jobs
            .wait(job_id, std::time::Duration::from_secs(10))
            .await
            .or(Some(record)))
    }
}

/// An opaque page cursor: the last record's (received_at, key), hex.
pub fn encode_cursor(received_at: i64, id: &str) -> String {
    format!("{received_at}.{id}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The (received_at, key) of a cursor from [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Option<(i64, String)> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (at, id) = text.split_once('.')?;
    if id.chars().any(char::is_control) {
        return None;
    }
    Some((at.parse().ok()?, id.to_owned()))
}

/// The completion event of a run no history records.
fn unrecorded_event(
    caller: &Caller,
    request_id: &str,
    origin: &Origin,
    result: &ExecutionResult,
) -> crate::models::CompletionEvent {
    let finished = crate::history::now_ms();
    #[allow(clippy::cast_possible_truncation)]
    let ran = result.duration_ms.max(0.0).round() as i64;
    crate::models::CompletionEvent::of_run(
        crate::models::Finished {
            job_id: &crate::jobs::job_id_for(&caller.id, request_id),
            request_id,
            owner: Some(&caller.id),
            tier: Tier::Lightweight,
            received_at: Some(crate::history::millis(origin.received_at)),
            started_at: (result.status != crate::models::ExecutionStatus::Rejected)
                .then_some(finished - ran),
            finished_at: finished,
            result_location: None,
            traceparent: crate::telemetry::current_traceparent(),
        },
        result,
    )
}

/// A recorded request as `submit` answers it.
fn replay(row: &Row, request_id: &str) -> Result<Submitted, Failure> {
    if let Some(record) = row.to_job() {
        return Ok(Submitted::Job(JobCreated {
            job_id: record.job_id,
            status: record.status,
            created_at: record.created_at,
        }));
    }
    match &row.result {
        Some(result) => {
            let mut result = result.clone();
            result.request_id = request_id.to_owned();
            Ok(Submitted::Ran(result))
        }
        None => Err(Failure::Conflict(format!(
            "request id {request_id:?} was already used; its record keeps no result to send again"
        ))),
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
