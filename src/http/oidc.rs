//! OAuth2/OIDC bearer tokens: signatures checked against the issuer's published keys (JWKS,
//! found through OpenID discovery unless configured), then `iss`, `aud`, `exp` and `nbf`.
//! Only asymmetric algorithms are accepted (a token cannot choose `none` or an HMAC keyed
//! with public material). Keys are cached; a token naming an unknown key id fetches them
//! again, at most once per `jwks_min_refresh_secs`.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::RwLock;

use super::auth::AuthError;
use crate::config::OidcSettings;
use crate::models::{Caller, Scope};

/// The most a discovery document or key set may weigh.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

const ACCEPTED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

#[derive(Debug, thiserror::Error)]
pub enum OidcSetupError {
    #[error("auth.oidc.issuer must be an https:// URL (or http:// on a loopback address)")]
    Issuer,
    #[error("auth.oidc.audience must name at least one audience")]
    Audience,
    #[error("cannot build the HTTP client for the issuer: {0}")]
    Client(String),
}

struct Keys {
    set: JwkSet,
    /// When the keys were last fetched.
    fetched: Option<Instant>,
    /// When a fetch was last tried, successful or not: no new try before
    /// `jwks_min_refresh_secs` after it.
    attempted: Option<Instant>,
}

pub struct Oidc {
    settings: OidcSettings,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// One fetch of the issuer's keys at a time.
    fetching: tokio::sync::Mutex<()>,
}

fn loopback_http(url: &str) -> bool {
    url.strip_prefix("http://").is_some_and(|rest| {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        host == "127.0.0.1" || host == "localhost" || rest.starts_with("[::1]")
    })
}

impl Oidc {
    pub fn new(settings: &OidcSettings) -> Result<Self, OidcSetupError> {
        if !(settings.issuer.starts_with("https://") || loopback_http(&settings.issuer)) {
            return Err(OidcSetupError::Issuer);
        }
        if settings.audience.is_empty() {
            return Err(OidcSetupError::Audience);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| OidcSetupError::Client(e.to_string()))?;
        Ok(Self {
            settings: settings.clone(),
            http,
            keys: RwLock::new(Keys {
                set: JwkSet { keys: Vec::new() },
                fetched: None,
                attempted: None,
            }),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The caller a token names, once its signature and claims hold.
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| AuthError::InvalidToken(format!("malformed token: {e}")))?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(AuthError::InvalidToken(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let kid = header.kid.unwrap_or_default();
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&self.settings.audience);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = self.settings.leeway_secs;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &key,
            &validation,
        )
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
            kind => AuthError::InvalidToken(format!("{kind:?}")),
        })?;
        let claims = data.claims;
        let subject = claims
            .get(&self.settings.subject_claim)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                AuthError::InvalidToken(format!(
                    "the token has no {} claim",
                    self.settings.subject_claim
                ))
            })?;
        let mut scopes: Vec<Scope> = self.settings.default_scopes.clone();
        for claim in &self.settings.scope_claims {
            let names: Vec<&str> = match claims.get(claim) {
                Some(serde_json::Value::String(text)) => text.split_whitespace().collect(),
                Some(serde_json::Value::Array(items)) => {
                    items.iter().filter_map(serde_json::Value::as_str).collect()
                }
                _ => Vec::new(),
            };
            scopes.extend(names.into_iter().filter_map(Scope::parse));
        }
        scopes.sort();
        scopes.dedup();
        Ok(Caller {
            id: format!("oidc:{subject}"),
            scopes,
            max_concurrent: None,
            rate_per_sec: None,
            delegated: false,
        })
    }

    /// The decoding key named `kid` (any key when the token names none and there is one).
    /// Keys are fetched outside the cache's lock, one fetch at a time: a slow or silent
    /// issuer delays only the requests that need keys the cache does not have, never the
    /// tokens it can already check.
    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        let refresh = Duration::from_secs(self.settings.jwks_refresh_secs.max(1));
        // At least a second between fetches, whatever is configured: unauthenticated
        // requests with made-up key ids must not queue up one fetch each.
        let min_refresh = Duration::from_secs(self.settings.jwks_min_refresh_secs.max(1));
        let fetch_guard = {
            let keys = self.keys.read().await;
            let found = find(&keys.set, kid);
            let fresh = keys.fetched.is_some_and(|t| t.elapsed() < refresh);
            let recent = keys.attempted.is_some_and(|t| t.elapsed() < min_refresh);
            match found {
                Some(key) if fresh || recent => return key,
                // Stale: refresh if nobody else is, and check with what we have.
                Some(key) => match self.fetching.try_lock() {
                    Ok(guard) => {
                        drop(keys);
                        let refreshed = self.refetch(guard).await;
                        let found = find(&self.keys.read().await.set, kid);
                        // A key the issuer no longer lists is refused at once; if the
                        // issuer could not be reached, the cached key still serves.
                        return match (found, refreshed) {
                            (Some(found), _) => found,
                            (None, false) => key,
                            (None, true) => Err(AuthError::InvalidToken(format!(
                                "key id {kid:?} was withdrawn by the issuer"
                            ))),
                        };
                    }
                    Err(_) => return key,
                },
                None if recent && keys.fetched.is_none() => {
                    return Err(AuthError::Unavailable(format!(
                        "the keys of {} could not be fetched",
                        self.settings.issuer
                    )))
                }
                None if recent => {
                    return Err(AuthError::InvalidToken(format!("unknown key id {kid:?}")))
                }
                None => {
                    drop(keys);
                    self.fetching.lock().await
                }
            }
        };
        // Another request may have fetched them while this one waited for its turn.
        let fetched_meanwhile = self
            .keys
            .read()
            .await
            .attempted
            .is_some_and(|t| t.elapsed() < min_refresh);
        if !fetched_meanwhile {
            let _ = self.refetch(fetch_guard).await;
        }
        let keys = self.keys.read().await;
        if keys.fetched.is_none() {
            return Err(AuthError::Unavailable(format!(
                "the keys of {} could not be fetched",
                self.settings.issuer
            )));
        }
        find(&keys.set, kid)
            .unwrap_or_else(|| Err(AuthError::InvalidToken(format!("unknown key id {kid:?}"))))
    }

    /// Fetches the keys (holding `_turn`, the one-fetch-at-a-time lock, but not the cache's
    /// lock) and stores them; on failure keeps the old ones. Whether new keys came.
    async fn refetch(&self, _turn: tokio::sync::MutexGuard<'_, ()>) -> bool {
        let fetched = self.fetch().await;
        let mut keys = self.keys.write().await;
        keys.attempted = Some(Instant::now());
        match fetched {
            Ok(set) => {
                keys.set = set;
                keys.fetched = Some(Instant::now());
                true
            }
            Err(err) => {
                // Keep the keys we have; `attempted` holds the next try back.
                tracing::warn!(error = %err, issuer = %self.settings.issuer, "cannot fetch the issuer's keys");
                false
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, String> {
        let url = match &self.settings.jwks_url {
            Some(url) => url.clone(),
            None => {
                let discovery = format!(
                    "{}/.well-known/openid-configuration",
                    self.settings.issuer.trim_end_matches('/')
                );
                let document: serde_json::Value = self.get_json(&discovery).await?;
                document
                    .get("jwks_uri")
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| format!("{discovery} has no jwks_uri"))?
                    .to_owned()
            }
        };
        self.get_json(&url).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url}: HTTP {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(format!("{url}: over {MAX_DOCUMENT_BYTES} bytes"));
        }
        let body = response.bytes().await.map_err(|e| format!("{url}: {e}"))?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("{url}: over {MAX_DOCUMENT_BYTES} bytes"));
        }
        serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))
    }
}

fn find(set: &JwkSet, kid: &str) -> Option<Result<DecodingKey, AuthError>> {
    let jwk = if kid.is_empty() {
        match set.keys.as_slice() {
            [only] => only,
            _ => return None,
        }
    } else {
        set.find(kid)?
    };
    Some(
        DecodingKey::from_jwk(jwk)
            .map_err(|e| AuthError::InvalidToken(format!("the issuer's key {kid:?}: {e}"))),
    )
}
