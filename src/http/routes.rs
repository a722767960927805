//! How every role's router is put together: each route group with the access it needs,
//! then the shared layers (request ids, the error contract's 404 and 405).

use std::sync::Arc;

use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::auth::{guard, Authenticator, Guard};
use super::observe::{metrics_route, record_layer};
use super::response::{assign_request_id, method_not_allowed, not_found};
use super::trace::{catch_panic, trace_request};
use crate::metrics::Metrics;
use crate::models::Scope;

/// Who may use a route group.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone (liveness, readiness, the OpenAPI document).
    Open,
    /// Any authenticated caller.
    Authenticated,
    /// A caller with this scope (or `admin`).
    Scope(Scope),
}

/// `router` behind `access`: authentication, the scope and the caller's rate are checked
/// before any handler runs, and the handler finds the `Caller` in the request extensions.
pub fn protect(router: Router, auth: &Arc<Authenticator>, access: Access) -> Router {
    let scope = match access {
        Access::Open => return router,
        Access::Authenticated => None,
        Access::Scope(scope) => Some(scope),
    };
    router.route_layer(from_fn_with_state(
        Guard {
            auth: Arc::clone(auth),
            scope,
        },
        guard,
    ))
}

/// The shared layers of every role's router: unknown routes answer 404 and known ones
/// with another method 405, both in the error contract; every answer has a request id;
/// every request is handled in its span (continuing the caller's `traceparent`); a handler
/// that panics is answered 500 in the error contract. With `metrics`, `GET /metrics` is
/// served (open, like the probes) and every request is counted and timed, labelled with
/// `role`.
pub fn finish(router: Router, metrics: Option<&Arc<Metrics>>, role: &'static str) -> Router {
    let router = match metrics {
        Some(metrics) => metrics_route(router, metrics),
        None => router,
    }
    .method_not_allowed_fallback(method_not_allowed)
    .fallback(not_found)
    .layer(from_fn(catch_panic));
    match metrics {
        Some(metrics) => record_layer(router, metrics, role),
        None => router,
    }
    .layer(from_fn(trace_request))
    .layer(from_fn(assign_request_id))
}

/// The security schemes of every role's OpenAPI document.
pub struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key, or an OIDC access token from the configured issuer",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}
