//! What every role's router adds for metrics: `GET /metrics`, and one layer that counts and
//! times every request by its route template (axum's `MatchedPath`, or `unmatched`) and
//! status, and counts requests a guard refused for load.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::metrics::{Metrics, RefusedForLoad, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};

/// The metrics a router records into, and the role it labels its requests with.
#[derive(Clone)]
struct Observed {
    metrics: Arc<Metrics>,
    role: &'static str,
}

/// `router` with `GET /metrics` (open: meant for the cluster-internal scrape; restrict it
/// with a network policy).
pub(super) fn metrics_route(router: Router, metrics: &Arc<Metrics>) -> Router {
    router.merge(
        Router::new()
            .route("/metrics", get(scrape))
            .with_state(Arc::clone(metrics)),
    )
}

/// `router` with the recording layer; `finish` adds it after the fallbacks, so it sees
/// unmatched requests (404) and other methods (405) too.
pub(super) fn record_layer(router: Router, metrics: &Arc<Metrics>, role: &'static str) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        Observed {
            metrics: Arc::clone(metrics),
            role,
        },
        record,
    ))
}

async fn record(State(observed): State<Observed>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    if let Some(RefusedForLoad(reason)) = response.extensions().get::<RefusedForLoad>() {
        observed.metrics.refused_for_load(*reason);
    }
    observed.metrics.http_request(
        observed.role,
        route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The metrics, as OpenMetrics when the scraper asks for it, else the Prometheus text format.
async fn scrape(State(metrics): State<Arc<Metrics>>, headers: HeaderMap) -> Response {
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    let content_type = if openmetrics {
        OPENMETRICS_CONTENT_TYPE
    } else {
        TEXT_CONTENT_TYPE
    };
    match metrics.encode(openmetrics) {
        Ok(body) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %crate::telemetry::error_chain(&err), "cannot encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
