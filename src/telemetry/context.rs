//! W3C trace context (`traceparent`, `tracestate`): reading it from a request or a job's
//! environment, and the context of the current request, whether spans are exported or not.
//!
//! With export on, the context is the OpenTelemetry one of the current span (the layer
//! activates it on entry). With export off there is no OpenTelemetry layer; the request's
//! span then keeps the context it was given (an incoming `traceparent`, or a new trace
//! id) in its extensions, and every span inside finds it there, so logs carry a
//! `trace_id` and the context is still passed on to the executor and to heavy jobs.

use std::collections::HashMap;

use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::{SpanContext, TraceContextExt as _, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
use tracing_subscriber::registry::LookupSpan as _;
use tracing_subscriber::Registry;

/// The header (and, in upper case, the environment variable of a heavy job) that carries
/// the trace context.
pub const TRACEPARENT: &str = "traceparent";
pub const TRACESTATE: &str = "tracestate";

/// The context a span was given when spans are not exported.
#[derive(Clone)]
struct Propagated(SpanContext);

struct Carrier<'a>(HashMap<&'static str, &'a str>);

impl Extractor for Carrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).copied()
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().copied().collect()
    }
}

/// The remote context of a `traceparent` (and `tracestate`), or `None` when it is absent
/// or malformed (wrong version, length, characters, all-zero ids): a bad header starts a
/// new trace, it is never an error.
pub fn parse(traceparent: Option<&str>, tracestate: Option<&str>) -> Option<SpanContext> {
    let traceparent = traceparent?.trim();
    if !well_formed(traceparent) {
        return None;
    }
    let mut carrier = HashMap::from([(TRACEPARENT, traceparent)]);
    if let Some(state) = tracestate {
        carrier.insert(TRACESTATE, state.trim());
    }
    let cx = TraceContextPropagator::new().extract(&Carrier(carrier));
    let span = cx.span();
    let context = span.span_context();
    context.is_valid().then(|| context.clone())
}

/// The W3C shape, checked strictly (the SDK's parser takes shorter ids and upper case):
/// `version-traceid-parentid-flags`, lowercase hex of 2, 32, 16 and 2 digits, version not
/// `ff`; version `00` has exactly these four fields, a later version may add more.
fn well_formed(header: &str) -> bool {
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let fields: Vec<&str> = header.split('-').collect();
    match fields.as_slice() {
        [version, trace, span, flags, rest @ ..] => {
            hex(version, 2)
                && *version != "ff"
                && (rest.is_empty() || *version != "00")
                && hex(trace, 32)
                && hex(span, 16)
                && hex(flags, 2)
        }
        _ => false,
    }
}

/// `00-{trace id}-{span id}-{flags}`.
pub fn format(context: &SpanContext) -> String {
    format!(
        "00-{}-{}-{:02x}",
        context.trace_id(),
        context.span_id(),
        context.trace_flags().to_u8()
    )
}

/// A new trace (export off, nothing came in): random ids, flagged sampled so that a
/// downstream service that exports records its part.
pub(super) fn new_root() -> SpanContext {
    let ids = RandomIdGenerator::default();
    SpanContext::new(
        ids.new_trace_id(),
        ids.new_span_id(),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    )
}

/// Keeps `context` in `span`'s extensions (export off).
pub(super) fn keep(span: &tracing::Span, context: SpanContext) {
    span.with_subscriber(|(id, dispatch)| {
        if let Some(span) = dispatch
            .downcast_ref::<Registry>()
            .and_then(|registry| registry.span(id))
        {
            span.extensions_mut().replace(Propagated(context));
        }
    });
}

/// The context kept by the current span or the nearest of its parents (export off).
fn kept() -> Option<SpanContext> {
    let current = tracing::Span::current();
    current
        .with_subscriber(|(id, dispatch)| {
            let registry = dispatch.downcast_ref::<Registry>()?;
            let span = registry.span(id)?;
            span.scope()
                .find_map(|s| s.extensions().get::<Propagated>().map(|p| p.0.clone()))
        })
        .flatten()
}

/// The context of the current span: its OpenTelemetry context when spans are exported,
/// else the one its request was given. `None` outside any request.
pub fn current() -> Option<SpanContext> {
    if super::otel::exporting() {
        let cx = opentelemetry::Context::current();
        let span = cx.span();
        let context = span.span_context();
        if context.is_valid() {
            return Some(context.clone());
        }
    }
    kept()
}

/// The W3C `traceparent` of the current span's context: what the history database and
/// completion events store, and what goes to the executor and into heavy jobs. With
/// export off it is the incoming one (or the request's own new trace); `None` outside a
/// request.
pub fn current_traceparent() -> Option<String> {
    current().map(|c| format(&c))
}

/// The `tracestate` that goes with [`current_traceparent`], when there is one.
pub fn current_tracestate() -> Option<String> {
    current()
        .map(|c| c.trace_state().header())
        .filter(|s| !s.is_empty())
}

/// The trace id of the current span's context, as 32 hex digits.
pub fn current_trace_id() -> Option<String> {
    current().map(|c| c.trace_id().to_string())
}

/// `true` when `id` is a trace id this module would write (32 lowercase hex digits, not
/// all zero).
pub fn is_trace_id(id: &str) -> bool {
    TraceId::from_hex(id).is_ok_and(|t| t != TraceId::INVALID && id.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::{format, parse};

    #[test]
    fn a_valid_traceparent_round_trips_and_keeps_its_state() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let context = parse(Some(header), Some("vendor=x")).expect("valid");
        assert_eq!(format(&context), header);
        assert!(context.is_remote());
        assert_eq!(context.trace_state().header(), "vendor=x");
    }

    #[test]
    fn malformed_traceparents_are_ignored() {
        for bad in [
            "",
            "garbage",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert!(parse(Some(bad), None).is_none(), "{bad:?} accepted");
        }
        assert!(parse(None, Some("a=b")).is_none());
    }
}
