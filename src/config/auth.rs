//! Who may call: API keys (kept as SHA-256 digests) and OIDC bearer tokens, their scopes, and
//! the per-caller rate limit. With neither keys nor an issuer configured a role runs open,
//! which it does only on a loopback address.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;
use crate::models::Scope;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// API keys; each is stored as the SHA-256 of the key (`pyexec auth hash-key` prints it),
    /// never the key itself.
    pub api_keys: Vec<ApiKeySettings>,
    /// A TOML file with more `[[api_keys]]` (a mounted Kubernetes Secret); read at start-up.
    pub api_keys_file: Option<PathBuf>,
    /// OAuth2/OIDC bearer tokens, checked against this issuer's keys (JWKS).
    pub oidc: Option<OidcSettings>,
    /// Requests per second one caller may send (token bucket, every protected endpoint);
    /// 0 for no limit. Callers of a service running open are not limited.
    pub rate_per_sec: f64,
    /// Requests one caller may send at once above its rate.
    pub burst: u32,
    /// The LLM role's own credential for the executor (sent as a bearer token).
    pub executor_api_key: Option<Secret>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            api_keys: Vec::new(),
            api_keys_file: None,
            oidc: None,
            rate_per_sec: 20.0,
            burst: 40,
            executor_api_key: None,
        }
    }
}

impl AuthSettings {
    /// Whether any credential is configured (otherwise the role runs open, on loopback only).
    pub fn configured(&self) -> bool {
        !self.api_keys.is_empty() || self.api_keys_file.is_some() || self.oidc.is_some()
    }
}

/// One API key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySettings {
    /// Names the caller (`key:<id>`): its jobs, its queue, its log lines.
    pub id: String,
    /// Lowercase hex SHA-256 of the key.
    pub sha256: String,
    pub scopes: Vec<Scope>,
    /// Executor: most executions this caller holds at once (default
    /// `executor.max_concurrent_per_caller`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<usize>,
    /// Requests per second for this caller (default `auth.rate_per_sec`; 0 for no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_sec: Option<f64>,
}

/// A file of API keys: `[[api_keys]]` tables as in the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeysFile {
    #[serde(default)]
    pub api_keys: Vec<ApiKeySettings>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// The `iss` every token must carry, e.g.
    /// `https://login.microsoftonline.com/<tenant>/v2.0` (Microsoft Entra ID).
    pub issuer: String,
    /// Accepted `aud` values (the application ID URI or client id); at least one.
    pub audience: Vec<String>,
    /// Where the signing keys are; default: `jwks_uri` of
    /// `<issuer>/.well-known/openid-configuration`.
    pub jwks_url: Option<String>,
    /// The claim that names the caller (`sub`; Entra ID's stable object id is `oid`).
    pub subject_claim: String,
    /// Claims holding scopes: a space-separated string (`scp`) or a list (`roles`).
    pub scope_claims: Vec<String>,
    /// Scopes every valid token has, besides those in its claims.
    pub default_scopes: Vec<Scope>,
    /// Accepted clock skew for `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// How often the keys are fetched again (a token with an unknown `kid` also triggers a
    /// fetch, at most once per `jwks_min_refresh_secs`).
    pub jwks_refresh_secs: u64,
    pub jwks_min_refresh_secs: u64,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            audience: Vec::new(),
            jwks_url: None,
            subject_claim: "sub".to_owned(),
            scope_claims: vec!["scp".to_owned(), "roles".to_owned()],
            default_scopes: Vec::new(),
            leeway_secs: 60,
            jwks_refresh_secs: 3600,
            jwks_min_refresh_secs: 10,
        }
    }
}
