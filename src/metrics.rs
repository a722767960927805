//! The process's Prometheus metrics, served at `GET /metrics` by every role (see
//! `crate::http::finish`). One [`Metrics`] is made per process in `crate::app` and shared
//! (`Arc`) with what records: the HTTP layer, the executor, the pool's admission and
//! supervisor, the LLM flow. Recording is an atomic add on a metric found by its label set
//! (prometheus-client's read-locked map); label values are `&'static str` or numbers, except
//! the HTTP route template, which is the one `String` made per request.
//!
//! The pool's slot states and queue length are read when scraped, through the function the
//! pool hands to [`Metrics::watch_pool`]: no gauge to keep in step.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, linear_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use crate::models::ExecutionStatus;

/// The Prometheus text format (0.0.4), for scrapers that do not ask for OpenMetrics.
pub const TEXT_CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
/// OpenMetrics 1.0, for scrapers that ask for it (`Accept: application/openmetrics-text`).
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpRequest {
    role: &'static str,
    /// The route template (`/api/v1/jobs/{job_id}`), never the raw path; `unmatched`.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpRoute {
    role: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Rule {
    rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Why a request was turned away for load (not for what it asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadReason {
    /// The pool's queue was full.
    Busy,
    /// No slot within `executor.queue_timeout_secs`.
    QueueTimeout,
    /// The caller already had its most requests waiting.
    CallerLimit,
    /// The caller's request rate (`auth` rate limits).
    RateLimited,
}

impl LoadReason {
    fn label(self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::QueueTimeout => "queue_timeout",
            Self::CallerLimit => "caller_limit",
            Self::RateLimited => "rate_limited",
        }
    }
}

/// Marks a response refused for load, for the HTTP layer to count (a response extension:
/// the guard that refuses does not hold the metrics).
#[derive(Clone, Copy, Debug)]
pub struct RefusedForLoad(pub LoadReason);

/// The pool as the scrape sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolGauges {
    pub ready: usize,
    pub busy: usize,
    pub rearming: usize,
    pub dead: usize,
    pub queued: usize,
}

type PoolSource = Box<dyn Fn() -> Option<PoolGauges> + Send + Sync>;

/// Reads the pool at scrape time; nothing when no pool has been watched (the LLM role).
#[derive(Default)]
struct PoolCollector {
    source: OnceLock<PoolSource>,
}

impl std::fmt::Debug for PoolCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolCollector").finish_non_exhaustive()
    }
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(gauges) = self.source.get().and_then(|read| read()) else {
            return Ok(());
        };
        let gauge = |n: usize| ConstGauge::new(i64::try_from(n).unwrap_or(i64::MAX));
        let slots = ConstGauge::new(0i64);
        let mut family = encoder.encode_descriptor(
            "pool_slots",
            "Sandbox slots by state.",
            None,
            slots.metric_type(),
        )?;
        for (state, n) in [
            ("ready", gauges.ready),
            ("busy", gauges.busy),
            ("rearming", gauges.rearming),
            ("dead", gauges.dead),
        ] {
            gauge(n).encode(family.encode_family(&[("state", state)])?)?;
        }
        let queued = gauge(gauges.queued);
        queued.encode(encoder.encode_descriptor(
            "pool_queued_requests",
            "Requests waiting in the pool's queue for a slot.",
            None,
            queued.metric_type(),
        )?)
    }
}

/// Every metric of the process, with its registry.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpRequest, Counter>,
    http_duration: Histograms<HttpRoute>,
    executions: Family<Status, Counter>,
    execution_duration: Histograms<Status>,
    validations: Family<Outcome, Counter>,
    findings: Family<Rule, Counter>,
    queue_wait: Histogram,
    slot_replacements: Counter,
    refused_for_load: Family<Reason, Counter>,
    heavy_jobs: Counter,
    heavy_jobs_finished: Family<Status, Counter>,
    history_queue: Gauge,
    history_dropped: Counter,
    history_written: Counter,
    history_write_duration: Histogram,
    queries: Family<Outcome, Counter>,
    llm_duration: Histograms<Outcome>,
    correction_rounds: Histogram,
    llm_tokens: Family<Kind, Counter>,
    events_consumed: Family<Outcome, Counter>,
    events_consume_duration: Histograms<Outcome>,
    events_lag: Histogram,
    events_published: Counter,
    events_publish_failures: Counter,
    events_publish_dropped: Counter,
    events_publish_queue: Gauge,
    pool: Arc<PoolCollector>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Seconds, from 1 ms to about a minute, doubling.
fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// An LLM call: 50 ms to about 100 s, doubling.
fn llm_seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 12))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("pyexec");
        let m = Self {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(seconds),
            executions: Family::default(),
            execution_duration: Family::new_with_constructor(seconds),
            validations: Family::default(),
            findings: Family::default(),
            // From 0.5 ms (a free slot) to about 16 s.
            queue_wait: Histogram::new(exponential_buckets(0.0005, 2.0, 16)),
            slot_replacements: Counter::default(),
            refused_for_load: Family::default(),
            heavy_jobs: Counter::default(),
            heavy_jobs_finished: Family::default(),
            history_queue: Gauge::default(),
            history_dropped: Counter::default(),
            history_written: Counter::default(),
            history_write_duration: seconds(),
            queries: Family::default(),
            llm_duration: Family::new_with_constructor(llm_seconds),
            correction_rounds: Histogram::new(linear_buckets(0.0, 1.0, 6)),
            llm_tokens: Family::default(),
            events_consumed: Family::default(),
            events_consume_duration: Family::new_with_constructor(seconds),
            events_lag: seconds(),
            events_published: Counter::default(),
            events_publish_failures: Counter::default(),
            events_publish_dropped: Counter::default(),
            events_publish_queue: Gauge::default(),
            pool: Arc::default(),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "http_requests",
            "HTTP requests answered, by role, route template and status code",
            m.http_requests.clone(),
        );
        r.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by role and route template",
            Unit::Seconds,
            m.http_duration.clone(),
        );
        r.register(
            "executions",
            "Lightweight executions by status (ok, error, timeout, memory_limit, killed, rejected, internal_error; busy, queue_timeout, caller_limit, shutdown, sandbox_unavailable when refused)",
            m.executions.clone(),
        );
        r.register_with_unit(
            "execution_duration",
            "Time from submission to result of a lightweight execution, by status",
            Unit::Seconds,
            m.execution_duration.clone(),
        );
        r.register(
            "validations",
            "Static validation verdicts on lightweight programs (valid, rejected)",
            m.validations.clone(),
        );
        r.register(
            "validation_findings",
            "Validator findings by rule code",
            m.findings.clone(),
        );
        r.register_with_unit(
            "pool_queue_wait",
            "Time from asking the pool for a slot to getting its permit",
            Unit::Seconds,
            m.queue_wait.clone(),
        );
        r.register(
            "pool_slot_replacements",
            "Dead sandbox slots replaced by a new one",
            m.slot_replacements.clone(),
        );
        r.register(
            "rejected_for_load",
            "Requests turned away for load, by reason (busy, queue_timeout, caller_limit, rate_limited)",
            m.refused_for_load.clone(),
        );
        r.register(
            "heavy_jobs_created",
            "Heavy jobs created",
            m.heavy_jobs.clone(),
        );
        r.register(
            "heavy_jobs_finished",
            "Heavy jobs that ended, by status (succeeded, failed, cancelled)",
            m.heavy_jobs_finished.clone(),
        );
        r.register(
            "history_queue_depth",
            "Run-history records waiting to be written",
            m.history_queue.clone(),
        );
        r.register(
            "history_dropped",
            "Run-history records dropped because the write queue was full",
            m.history_dropped.clone(),
        );
        r.register(
            "history_written",
            "Run-history records written to the database",
            m.history_written.clone(),
        );
        r.register_with_unit(
            "history_write_duration",
            "Time to write one batch of run-history records",
            Unit::Seconds,
            m.history_write_duration.clone(),
        );
        r.register(
            "llm_queries",
            "LLM-role queries by outcome (the result's status, job, or the failure)",
            m.queries.clone(),
        );
        r.register_with_unit(
            "llm_request_duration",
            "Time of one call to the LLM endpoint, by outcome (ok, error)",
            Unit::Seconds,
            m.llm_duration.clone(),
        );
        r.register(
            "llm_correction_rounds",
            "Programs the LLM wrote after its first, per answered query (corrections and repairs)",
            m.correction_rounds.clone(),
        );
        r.register(
            "llm_tokens",
            "Tokens the LLM endpoint reported using, by kind (prompt, completion)",
            m.llm_tokens.clone(),
        );
        r.register(
            "events_consumed",
            "Event-source messages settled, by outcome (accepted, released, rejected)",
            m.events_consumed.clone(),
        );
        r.register_with_unit(
            "events_consume_duration",
            "Time from receiving an event-source message to settling it, by outcome",
            Unit::Seconds,
            m.events_consume_duration.clone(),
        );
        r.register_with_unit(
            "events_lag",
            "Time from a message's creation (its creation-time property, when the producer set one) to its receipt",
            Unit::Seconds,
            m.events_lag.clone(),
        );
        r.register(
            "events_published",
            "Completion events the sink's broker accepted",
            m.events_published.clone(),
        );
        r.register(
            "events_publish_failures",
            "Completion events given up after every retry",
            m.events_publish_failures.clone(),
        );
        r.register(
            "events_publish_dropped",
            "Completion events dropped because the publish queue was full",
            m.events_publish_dropped.clone(),
        );
        r.register(
            "events_publish_queue_depth",
            "Completion events waiting to be published",
            m.events_publish_queue.clone(),
        );
        registry.register_collector(Box::new(Arc::clone(&m.pool)));
        Self { registry, ..m }
    }

    /// The metrics in the Prometheus text format, or OpenMetrics when `openmetrics`.
    pub fn encode(&self, openmetrics: bool) -> Result<String, std::fmt::Error> {
        let mut out = String::with_capacity(16 * 1024);
        if openmetrics {
            prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        } else {
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        }
        Ok(out)
    }

    /// Has the pool's slot states and queue read at every scrape (the first pool only: one
    /// serving pool per process).
    pub fn watch_pool(&self, read: impl Fn() -> Option<PoolGauges> + Send + Sync + 'static) {
        let _ = self.pool.source.set(Box::new(read));
    }

    pub fn http_request(&self, role: &'static str, route: String, status: u16, took: Duration) {
        self.http_duration
            .get_or_create(&HttpRoute {
                role,
                route: route.clone(),
            })
            .observe(took.as_secs_f64());
        self.http_requests
            .get_or_create(&HttpRequest {
                role,
                route,
                status,
            })
            .inc();
    }

    /// One lightweight execution ended with `status` after `took`.
    pub fn execution(&self, status: &'static str, took: Duration) {
        let labels = Status { status };
        self.executions.get_or_create(&labels).inc();
        self.execution_duration
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    /// A validation verdict and its findings' rule codes.
    pub fn validation<'a>(&self, valid: bool, rules: impl IntoIterator<Item = &'a str>) {
        let outcome = if valid { "valid" } else { "rejected" };
        self.validations.get_or_create(&Outcome { outcome }).inc();
        for rule in rules {
            self.findings
                .get_or_create(&Rule {
                    rule: rule.to_owned(),
                })
                .inc();
        }
    }

    pub fn queue_wait(&self, waited: Duration) {
        self.queue_wait.observe(waited.as_secs_f64());
    }

    pub fn slot_replaced(&self) {
        self.slot_replacements.inc();
    }

    pub fn refused_for_load(&self, reason: LoadReason) {
        self.refused_for_load
            .get_or_create(&Reason {
                reason: reason.label(),
            })
            .inc();
    }

    pub fn heavy_job_created(&self) {
        self.heavy_jobs.inc();
    }

    /// A heavy job ended with `status` (`succeeded`, `failed`, `cancelled`).
    pub fn heavy_job_finished(&self, status: &'static str) {
        self.heavy_jobs_finished
            .get_or_create(&Status { status })
            .inc();
    }

    /// An event-source message settled with `outcome` after `took`.
    pub fn event_consumed(&self, outcome: &'static str, took: Duration) {
        let labels = Outcome { outcome };
        self.events_consumed.get_or_create(&labels).inc();
        self.events_consume_duration
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    pub fn event_lag(&self, lag: Duration) {
        self.events_lag.observe(lag.as_secs_f64());
    }

    pub fn events_published(&self, n: usize) {
        self.events_published.inc_by(n as u64);
    }

    pub fn event_publish_failed(&self) {
        self.events_publish_failures.inc();
    }

    pub fn event_publish_dropped(&self) {
        self.events_publish_dropped.inc();
    }

    pub fn events_publish_queued(&self, depth: usize) {
        self.events_publish_queue
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    /// Run-history records waiting to be written now.
    pub fn history_queued(&self, depth: usize) {
        self.history_queue
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    pub fn history_dropped(&self) {
        self.history_dropped.inc();
    }

    pub fn history_written(&self, records: usize, took: Duration) {
        self.history_written.inc_by(records as u64);
        self.history_write_duration.observe(took.as_secs_f64());
    }

    pub fn query(&self, outcome: &'static str) {
        self.queries.get_or_create(&Outcome { outcome }).inc();
    }

    pub fn llm_call(&self, ok: bool, took: Duration) {
        let outcome = if ok { "ok" } else { "error" };
        self.llm_duration
            .get_or_create(&Outcome { outcome })
            .observe(took.as_secs_f64());
    }

    pub fn correction_rounds(&self, rounds: usize) {
        self.correction_rounds.observe(rounds as f64);
    }

    pub fn llm_tokens(&self, prompt: u64, completion: u64) {
        self.llm_tokens
            .get_or_create(&Kind { kind: "prompt" })
            .inc_by(prompt);
        self.llm_tokens
            .get_or_create(&Kind { kind: "completion" })
            .inc_by(completion);
    }
}

/// An execution's status as a metrics label (the JSON name).
pub fn status_label(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Ok => "ok",
        ExecutionStatus::Error => "error",
        ExecutionStatus::Timeout => "timeout",
        ExecutionStatus::MemoryLimit => "memory_limit",
        ExecutionStatus::Killed => "killed",
        ExecutionStatus::Rejected => "rejected",
        ExecutionStatus::InternalError => "internal_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_conventions_and_the_pool_appears_once_watched() {
        let metrics = Metrics::new();
        metrics.execution("ok", Duration::from_millis(3));
        metrics.refused_for_load(LoadReason::QueueTimeout);
        let text = metrics.encode(false).expect("encodes");
        assert!(
            text.contains("pyexec_executions_total{status=\"ok\"} 1"),
            "{text}"
        );
        assert!(text.contains("pyexec_execution_duration_seconds_count{status=\"ok\"} 1"));
        assert!(text.contains("pyexec_rejected_for_load_total{reason=\"queue_timeout\"} 1"));
        assert!(!text.contains("pyexec_pool_slots"));
        metrics.watch_pool(|| {
            Some(PoolGauges {
                ready: 2,
                ..PoolGauges::default()
            })
        });
        let text = metrics.encode(true).expect("encodes");
        assert!(
            text.contains("pyexec_pool_slots{state=\"ready\"} 2"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
