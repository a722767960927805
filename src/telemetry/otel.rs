//! Span export over OTLP/HTTP (`[telemetry]`): the OpenTelemetry SDK with a batch
//! processor (a bounded queue: spans past it are dropped and counted by the SDK, never
//! block a request) and the tracing bridge. Nothing of it exists unless
//! `telemetry.otlp_endpoint` is set: no layer, no thread, no exporter.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracerProvider,
};
use opentelemetry_sdk::Resource;
use serde::{Deserialize, Serialize};

/// Whether spans are exported: set once, when the exporter is installed.
static EXPORTING: AtomicBool = AtomicBool::new(false);

pub(super) fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// How spans are encoded for the collector (`telemetry.otlp_protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OtlpProtocol {
    /// OTLP/HTTP with protobuf bodies (the collector's default).
    #[serde(rename = "http/protobuf")]
    HttpProtobuf,
    /// OTLP/HTTP with JSON bodies.
    #[serde(rename = "http/json")]
    HttpJson,
}

/// The `[telemetry]` section of every role's configuration: span export. Off unless
/// `otlp_endpoint` is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// The OTLP/HTTP collector, e.g. `http://otel-collector:4318`; `/v1/traces` is added
    /// when the URL has no path. Unset: spans are not exported (the default).
    pub otlp_endpoint: Option<String>,
    pub otlp_protocol: OtlpProtocol,
    /// `service.name` of the exported spans; default `pyexec-<role>`.
    pub service_name: Option<String>,
    /// Share of new traces recorded, 0 to 1; a trace that comes in with a `traceparent`
    /// follows its caller's decision.
    pub sample_ratio: f64,
    /// Spans waiting for export at most; past it new spans are dropped (and counted).
    pub max_queue_spans: usize,
    /// Spans per export request at most.
    pub max_batch_spans: usize,
    /// How often the queue is exported.
    pub export_interval_ms: u64,
    /// Longest wait for the collector per export request, and for the last export at
    /// shutdown.
    pub export_timeout_secs: u64,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            otlp_protocol: OtlpProtocol::HttpProtobuf,
            service_name: None,
            sample_ratio: 1.0,
            max_queue_spans: 2048,
            max_batch_spans: 512,
            export_interval_ms: 2000,
            export_timeout_secs: 10,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("telemetry.otlp_endpoint {0:?} is not an http:// or https:// URL")]
    Endpoint(String),
    #[error("telemetry.sample_ratio {0} is not between 0 and 1")]
    Ratio(f64),
    #[error("cannot build the OTLP exporter")]
    Build(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// The URL spans are posted to: the endpoint, with `/v1/traces` when it has no path.
fn traces_url(endpoint: &str) -> Result<String, ExportError> {
    let bad = || ExportError::Endpoint(endpoint.to_owned());
    let rest = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))
        .ok_or_else(bad)?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.is_empty() || authority.contains(char::is_whitespace) {
        return Err(bad());
    }
    Ok(if path.trim_end_matches('/').is_empty() {
        format!("{}/v1/traces", endpoint.trim_end_matches('/'))
    } else {
        endpoint.to_owned()
    })
}

/// The tracer provider for `settings` (export configured), with `service` as
/// `service.name` unless the settings name one.
pub(super) fn provider(
    settings: &TelemetrySettings,
    endpoint: &str,
    role: &'static str,
) -> Result<SdkTracerProvider, ExportError> {
    if !(0.0..=1.0).contains(&settings.sample_ratio) {
        return Err(ExportError::Ratio(settings.sample_ratio));
    }
    let protocol = match settings.otlp_protocol {
        OtlpProtocol::HttpProtobuf => Protocol::HttpBinary,
        OtlpProtocol::HttpJson => Protocol::HttpJson,
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(traces_url(endpoint)?)
        .with_protocol(protocol)
        .with_timeout(Duration::from_secs(settings.export_timeout_secs.max(1)))
        .build()?;
    let batch = BatchConfigBuilder::default()
        .with_max_queue_size(settings.max_queue_spans.max(1))
        .with_max_export_batch_size(settings.max_batch_spans.max(1))
        .with_scheduled_delay(Duration::from_millis(settings.export_interval_ms.max(10)))
        .build();
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(batch)
        .build();
    let service = settings
        .service_name
        .clone()
        .unwrap_or_else(|| format!("pyexec-{role}"));
    let resource = Resource::builder()
        .with_service_name(service)
        .with_attributes([
            KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
            KeyValue::new("pyexec.role", role),
        ])
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            settings.sample_ratio,
        ))))
        .with_resource(resource)
        .build();
    Ok(provider)
}

/// The tracing layer that turns spans into OpenTelemetry spans of `provider`.
pub(super) fn layer<S>(
    provider: &SdkTracerProvider,
) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    EXPORTING.store(true, Ordering::Relaxed);
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("pyexec"))
        .with_threads(false)
}

/// What [`super::init_service`] returns: flushes the spans still queued when shut down or
/// dropped, so that a role or a job's runner exports its last spans before it exits.
#[must_use = "dropping it flushes and stops span export"]
pub struct Telemetry {
    pub(super) provider: Option<SdkTracerProvider>,
    pub(super) timeout: Duration,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Exports what is queued (waiting at most `telemetry.export_timeout_secs` and a
    /// second) and stops export. Call it after the last span has closed.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(err) = provider.shutdown_with_timeout(self.timeout) {
                tracing::warn!(error = %super::error_chain(&err), "spans not all exported at shutdown");
            }
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn the_traces_path_is_added_to_a_bare_endpoint_only() {
        let url = |e: &str| traces_url(e).expect("valid");
        assert_eq!(url("http://c:4318"), "http://c:4318/v1/traces");
        assert_eq!(url("http://c:4318/"), "http://c:4318/v1/traces");
        assert_eq!(url("https://c/otlp/v1/traces"), "https://c/otlp/v1/traces");
        assert!(traces_url("c:4318").is_err());
        assert!(traces_url("http://").is_err());
    }
}
