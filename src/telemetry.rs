//! One logging and tracing set-up for every role: JSON lines for services (and whenever
//! stderr is not a terminal), readable text on a terminal; logs go to stderr, stdout carries
//! command output. With `telemetry.otlp_endpoint` set, spans are also exported over OTLP
//! (`otel.rs`); without it the OpenTelemetry layer is not installed at all.
//!
//! Every request is handled in a request span ([`server_span`] for HTTP, [`request_span`]
//! elsewhere) with `request_id`, `trace_id`, `role` and `operation`: both formats print the
//! fields of that span on every line written inside it. The W3C trace context comes in with
//! `traceparent` (a malformed one starts a new trace) and goes on with
//! [`current_traceparent`]; `context.rs` keeps it even when nothing is exported.
//!
//! The stages of a request (generation, validation, classification, execution, job) are
//! spans with the target [`SPANS`]: exported when export is on, never printed (a line
//! inside one carries its request span's fields) and disabled, so free, when export is off.

mod context;
mod otel;
mod panic;

use std::io::IsTerminal;
use std::sync::OnceLock;

use opentelemetry::trace::TraceContextExt as _;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::filter::{Directive, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer as _, Registry};

pub use context::{
    current_trace_id, current_traceparent, current_tracestate, is_trace_id, TRACEPARENT, TRACESTATE,
};
pub use otel::{ExportError, OtlpProtocol, Telemetry, TelemetrySettings};
pub use panic::install_panic_hook;

/// The target of the stage spans: exported, never printed.
pub const SPANS: &str = "pyexec_spans";

/// The target of request and job spans: printed at any log level (their fields go on every
/// line inside them, warnings included) and exported.
pub const REQUESTS: &str = "pyexec_requests";

/// The target of the spans of probes and scrapes (health, `/metrics`): printed like
/// request spans, never exported (a probe every few seconds is not a trace anyone reads).
pub const PROBES: &str = "pyexec_probes";

/// Whether a stage span may start here: only inside a request (or job) span, so that work
/// outside any request (the executor's start-up self-test) starts no trace of its own.
pub fn in_request() -> bool {
    !tracing::Span::current().is_none()
}

use serde::{Deserialize, Serialize};

/// How log lines are written (`[log] format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Text on a terminal, JSON lines otherwise.
    Auto,
    Json,
    Text,
}

/// The `[log]` section of every role's configuration; it lives here, below `config`, so
/// that telemetry needs nothing from the configuration loader.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `pyexec=debug,tower_http=info`; `RUST_LOG` wins.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Auto,
            level: "info".to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("invalid log filter {filter:?}")]
    Filter {
        filter: String,
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
    #[error("a global logger is already installed")]
    AlreadyInstalled,
    #[error("cannot set up span export")]
    Export(#[from] ExportError),
}

/// The role this process serves (`executor`, `llm`, `all`, `job-run`), set by
/// [`init_service`]; every request span names it.
static ROLE: OnceLock<&'static str> = OnceLock::new();

/// The process's role, once [`init_service`] has set it.
pub fn role() -> Option<&'static str> {
    ROLE.get().copied()
}

/// Installs the global subscriber of a one-shot command (no span export, the default panic
/// hook). `RUST_LOG`, when set, overrides `settings.level`.
pub fn init(settings: &LogSettings) -> Result<(), TelemetryError> {
    install(settings, None).map(|_| ())
}

/// Installs the global subscriber of a service or a job's runner: logs as [`init`] does,
/// span export when `telemetry.otlp_endpoint` is set, and the panic hook that logs panics
/// with a backtrace. Keep the returned [`Telemetry`] until the end: shutting it down (or
/// dropping it) exports the spans still queued.
pub fn init_service(
    log: &LogSettings,
    telemetry: &TelemetrySettings,
    role: &'static str,
) -> Result<Telemetry, TelemetryError> {
    let _ = ROLE.set(role);
    let provider = match telemetry.otlp_endpoint.as_deref().filter(|e| !e.is_empty()) {
        Some(endpoint) => Some(otel::provider(telemetry, endpoint, role)?),
        None => None,
    };
    install(log, provider.as_ref())?;
    install_panic_hook();
    if let Some(endpoint) = &telemetry.otlp_endpoint {
        tracing::info!(
            endpoint = %endpoint,
            protocol = ?telemetry.otlp_protocol,
            "exporting spans over OTLP"
        );
    }
    Ok(Telemetry {
        provider,
        timeout: std::time::Duration::from_secs(telemetry.export_timeout_secs.max(1) + 1),
    })
}

fn directive(text: &str) -> Result<Directive, TelemetryError> {
    text.parse().map_err(|source| TelemetryError::Filter {
        filter: text.to_owned(),
        source,
    })
}

fn install(
    settings: &LogSettings,
    provider: Option<&opentelemetry_sdk::trace::SdkTracerProvider>,
) -> Result<(), TelemetryError> {
    let filter_text = std::env::var("RUST_LOG").unwrap_or_else(|_| settings.level.clone());
    let filter = EnvFilter::try_new(&filter_text)
        .map_err(|source| TelemetryError::Filter {
            filter: filter_text.clone(),
            source,
        })?
        // Stage spans are for export only; request spans always carry their fields.
        .add_directive(directive(&format!("{SPANS}=off"))?)
        .add_directive(directive(&format!("{REQUESTS}=info"))?)
        .add_directive(directive(&format!("{PROBES}=info"))?);
    let json = match settings.format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let mut layers: Vec<Box<dyn tracing_subscriber::Layer<Registry> + Send + Sync>> = Vec::new();
    if let Some(provider) = provider {
        // pyexec's own spans and its events (as span events), whatever the log level.
        let exported = Targets::new()
            .with_target("pyexec", tracing::Level::INFO)
            .with_target(SPANS, tracing::Level::INFO)
            .with_target(REQUESTS, tracing::Level::INFO)
            .with_target(PROBES, tracing::level_filters::LevelFilter::OFF);
        layers.push(otel::layer(provider).with_filter(exported).boxed());
    }
    let logs = if json {
        fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed()
    } else {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed()
    };
    layers.push(logs);
    tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .map_err(|_| TelemetryError::AlreadyInstalled)
}

/// The span an HTTP request is handled in, continuing the caller's trace when its
/// `traceparent` is well formed (a new trace otherwise). `operation` is the method and
/// route template (`POST /api/v1/query`).
pub fn server_span(
    request_id: &str,
    operation: &str,
    traceparent: Option<&str>,
    tracestate: Option<&str>,
) -> tracing::Span {
    let remote = context::parse(traceparent, tracestate);
    entry_span(request_id, operation, "server", remote)
}

/// As [`server_span`], for a probe or a scrape: the same log fields, never exported.
pub fn probe_span(
    request_id: &str,
    operation: &str,
    traceparent: Option<&str>,
    tracestate: Option<&str>,
) -> tracing::Span {
    let span = tracing::info_span!(
        target: PROBES,
        "request",
        request_id = %request_id,
        trace_id = Empty,
        role = role(),
        operation = %operation,
    );
    if !span.is_disabled() {
        let given = context::parse(traceparent, tracestate).unwrap_or_else(context::new_root);
        span.record("trace_id", given.trace_id().to_string());
        context::keep(&span, given);
    }
    span
}

/// The span of a heavy job's runner (`pyexec job-run`), continuing the trace of the job
/// that started it (`TRACEPARENT`, `TRACESTATE` in its environment).
pub fn job_run_span(
    request_id: &str,
    traceparent: Option<&str>,
    tracestate: Option<&str>,
) -> tracing::Span {
    let remote = context::parse(traceparent, tracestate);
    entry_span(request_id, "job-run", "consumer", remote)
}

/// A request span continuing `remote`, or, without one, the current trace (or a new one).
fn entry_span(
    request_id: &str,
    operation: &str,
    kind: &'static str,
    remote: Option<opentelemetry::trace::SpanContext>,
) -> tracing::Span {
    let span = tracing::info_span!(
        target: REQUESTS,
        "request",
        request_id = %request_id,
        trace_id = Empty,
        role = role(),
        operation = %operation,
        otel.name = Empty,
        otel.kind = Empty,
        otel.status_code = Empty,
    );
    if otel::exporting() {
        span.record("otel.name", operation);
        span.record("otel.kind", kind);
        if let Some(remote) = remote {
            let cx = opentelemetry::Context::new().with_remote_span_context(remote);
            let _ = span.set_parent(cx);
        }
        // Starts the span, with its parent fixed.
        if let Some(id) = span.in_scope(current_trace_id) {
            span.record("trace_id", id);
        }
    } else if !span.is_disabled() {
        let given = remote
            .or_else(context::current)
            .unwrap_or_else(context::new_root);
        span.record("trace_id", given.trace_id().to_string());
        context::keep(&span, given);
    }
    span
}

/// The span of one event-triggered request (a message from `events.source`), continuing
/// the trace of the `traceparent` the message carried, when well formed.
pub fn event_span(request_id: &str, traceparent: Option<&str>) -> tracing::Span {
    let remote = context::parse(traceparent, None);
    entry_span(request_id, "event", "consumer", remote)
}

/// The span a request is handled in outside HTTP (an event, a command): every line logged
/// inside carries `request_id` and the `trace_id` of the current trace (a new one when
/// there is none).
pub fn request_span(request_id: &str) -> tracing::Span {
    entry_span(request_id, "request", "internal", None)
}

/// The span of a heavy job, from its creation to its end (it outlives the request that
/// created it): `request_id`, `job_id`, and the request's trace.
pub fn job_span(request_id: &str, job_id: &str, traceparent: Option<&str>) -> tracing::Span {
    let span = tracing::info_span!(
        target: REQUESTS,
        "job",
        request_id = %request_id,
        job_id = %job_id,
        trace_id = Empty,
        role = role(),
        operation = "job",
        otel.name = Empty,
        otel.status_code = Empty,
    );
    // Outside the request that created it (a job taken over at start-up): the trace the
    // job kept.
    let kept = || context::parse(traceparent, None);
    if otel::exporting() {
        span.record("otel.name", "job");
        if context::current().is_none() {
            if let Some(remote) = kept() {
                let cx = opentelemetry::Context::new().with_remote_span_context(remote);
                let _ = span.set_parent(cx);
            }
        }
        if let Some(id) = span.in_scope(current_trace_id) {
            span.record("trace_id", id);
        }
    } else if let Some(given) = context::current().or_else(kept) {
        span.record("trace_id", given.trace_id().to_string());
        context::keep(&span, given);
    }
    span
}

/// Sets the request id of the current request span (the id a body named, after the span
/// was opened with the header's or a new one).
pub fn record_request_id(request_id: &str) {
    tracing::Span::current().record("request_id", request_id);
}

/// Marks `span` failed for the trace (`otel.status_code = ERROR`) when spans are exported.
pub fn mark_failed(span: &tracing::Span) {
    if otel::exporting() {
        span.record("otel.status_code", "ERROR");
    }
}

/// The most of a failed program's traceback a log line carries.
const TRACEBACK_LOG_BYTES: usize = 4096;

/// What a log line keeps of a failed program's standard error: its Python traceback (the
/// sandbox writes it from the user's first frame on, without its own), at most its last
/// 4 KiB, cut at a character boundary. The result carries all of it.
pub fn traceback_tail(stderr: &str) -> &str {
    let from = stderr
        .find("Traceback (most recent call last):")
        .unwrap_or(0)
        .max(stderr.len().saturating_sub(TRACEBACK_LOG_BYTES));
    let from = (from..=stderr.len())
        .find(|i| stderr.is_char_boundary(*i))
        .unwrap_or(stderr.len());
    stderr[from..].trim_end()
}

/// A new request id (UUID v4).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An error with its causes, `outer: inner: ...`, for logs and messages.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
