//! Authentication and authorization of every protected endpoint: API keys (compared by
//! their SHA-256 digest) and OIDC bearer tokens, scopes per endpoint, a rate limit per
//! caller. A role with no credential configured runs open with one anonymous caller; the
//! application refuses that anywhere but on a loopback address.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::oidc::{Oidc, OidcSetupError};
use super::rate::RateLimiter;
use super::response::{error, RequestId};
use crate::config::{ApiKeySettings, ApiKeysFile, AuthSettings};
use crate::metrics::{LoadReason, RefusedForLoad};
use crate::models::{ApiError, Caller, ErrorKind, Scope};

/// Why a request was not authenticated. Never holds the credential itself.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no credential: send `Authorization: Bearer <key or token>` or `X-API-Key`")]
    Missing,
    #[error("the API key is not known")]
    UnknownKey,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    InvalidToken(String),
    #[error("the credential is malformed: {0}")]
    Malformed(&'static str),
    /// The issuer's keys could not be fetched: the service cannot check tokens now.
    #[error("tokens cannot be checked now: {0}")]
    Unavailable(String),
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error("cannot read auth.api_keys_file {path}: {message}")]
    KeysFile { path: String, message: String },
    #[error("API key {id:?}: sha256 must be 64 lowercase hex digits (`pyexec auth hash-key`)")]
    Digest { id: String },
    #[error("API key id {0:?} is used twice")]
    DuplicateId(String),
    #[error("API key id {0:?} must be 1 to 64 letters, digits, '-', '_' or '.'")]
    Id(String),
    #[error(transparent)]
    Oidc(#[from] OidcSetupError),
}

/// The SHA-256 of a key, as `auth.api_keys[].sha256` holds it.
pub fn hash_key(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

pub struct Authenticator {
    /// No credential configured: every request is the anonymous caller.
    open: bool,
    /// Keyed by the digest of the key: a lookup by the digest of what was presented, so
    /// no comparison of secret bytes happens at all (the digest of an attacker's guess
    /// tells them nothing about a stored one).
    keys: HashMap<[u8; 32], Caller>,
    oidc: Option<Oidc>,
    rate: RateLimiter,
}

impl Authenticator {
    /// An authenticator that lets everyone in as the anonymous caller.
    pub fn open() -> Self {
        Self {
            open: true,
            keys: HashMap::new(),
            oidc: None,
            rate: RateLimiter::new(0.0, 1),
        }
    }

    pub fn from_settings(settings: &AuthSettings) -> Result<Self, AuthSetupError> {
        if !settings.configured() {
            return Ok(Self::open());
        }
        let mut entries: Vec<ApiKeySettings> = settings.api_keys.clone();
        if let Some(path) = &settings.api_keys_file {
            let text = std::fs::read_to_string(path).map_err(|e| AuthSetupError::KeysFile {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let file: ApiKeysFile =
                toml::from_str(&text).map_err(|e| AuthSetupError::KeysFile {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
            entries.extend(file.api_keys);
        }
        let mut keys = HashMap::new();
        let mut ids = std::collections::HashSet::new();
        for entry in entries {
            let sane_id = !entry.id.is_empty()
                && entry.id.len() <= 64
                && entry
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if !sane_id {
                return Err(AuthSetupError::Id(entry.id));
            }
            if !ids.insert(entry.id.clone()) {
                return Err(AuthSetupError::DuplicateId(entry.id));
            }
            let digest = parse_digest(&entry.sha256.to_ascii_lowercase()).ok_or_else(|| {
                AuthSetupError::Digest {
                    id: entry.id.clone(),
                }
            })?;
            keys.insert(
                digest,
                Caller {
                    id: format!("key:{}", entry.id),
                    scopes: entry.scopes,
                    max_concurrent: entry.max_concurrent,
                    rate_per_sec: entry.rate_per_sec,
                    delegated: false,
                },
            );
        }
        let oidc = settings.oidc.as_ref().map(Oidc::new).transpose()?;
        Ok(Self {
            open: false,
            keys,
            oidc,
            rate: RateLimiter::new(settings.rate_per_sec, settings.burst),
        })
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Adds a key that is not in the configuration (the all-in-one mode's own key for its
    /// LLM role): `key` in clear, known only to this process.
    pub fn add_internal_key(&mut self, key: &str, caller: Caller) {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        self.keys.insert(digest, caller);
    }

    /// The caller `headers` name.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, AuthError> {
        if self.open {
            return Ok(Caller::anonymous());
        }
        let credential = credential(headers)?;
        if credential.matches('.').count() == 2 {
            if let Some(oidc) = &self.oidc {
                return oidc.verify(credential).await;
            }
        }
        let digest: [u8; 32] = Sha256::digest(credential.as_bytes()).into();
        self.keys.get(&digest).cloned().ok_or(AuthError::UnknownKey)
    }

    /// Takes one request of `caller`'s rate; `Err(secs)` when it is over.
    pub fn admit_rate(&self, caller: &Caller) -> Result<(), u64> {
        if self.open {
            return Ok(());
        }
        self.rate.check(&caller.id, caller.rate_per_sec)
    }
}

/// The presented credential: `Authorization: Bearer X` or `X-API-Key: X`.
fn credential(headers: &HeaderMap) -> Result<&str, AuthError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value
            .to_str()
            .map_err(|_| AuthError::Malformed("Authorization is not visible ASCII"))?;
        let (scheme, rest) = text.split_once(' ').ok_or(AuthError::Malformed(
            "Authorization must be `Bearer <credential>`",
        ))?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::Malformed("only the Bearer scheme is accepted"));
        }
        let token = rest.trim();
        if token.is_empty() || token.len() > 16 * 1024 {
            return Err(AuthError::Malformed(
                "the bearer credential is empty or too long",
            ));
        }
        return Ok(token);
    }
    if let Some(value) = headers.get("x-api-key") {
        let key = value
            .to_str()
            .map_err(|_| AuthError::Malformed("X-API-Key is not visible ASCII"))?
            .trim();
        if key.is_empty() || key.len() > 1024 {
            return Err(AuthError::Malformed("X-API-Key is empty or too long"));
        }
        return Ok(key);
    }
    Err(AuthError::Missing)
}

/// The header with which a caller holding the `delegate` scope (the LLM role) acts for one
/// of its own callers: the executor admits, limits and records the request as that caller.
pub const ON_BEHALF_OF: &str = "x-pyexec-on-behalf-of";

/// A caller id as [`ON_BEHALF_OF`] carries it: letters, digits and `-_.:@/` as they are,
/// every other byte `%XX` (so any OIDC subject fits, and two ids never encode alike).
pub fn encode_caller(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.:@/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The caller `headers` ask to act for, if any: `Err` when the value is not an encoded
/// caller id ([`encode_caller`]), which is kept encoded.
fn on_behalf_of(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get(ON_BEHALF_OF) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| "not visible ASCII")?;
    let sane = !text.is_empty()
        && text.len() <= 2048
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@/%".contains(&b));
    if sane {
        Ok(Some(text.to_owned()))
    } else {
        Err("an encoded caller id of 1 to 2048 characters")
    }
}

/// What a protected route needs: the authenticator and the scope (`None`: any caller).
#[derive(Clone)]
pub struct Guard {
    pub auth: Arc<Authenticator>,
    pub scope: Option<Scope>,
}

/// Middleware: authenticates, checks the scope and the caller's rate, and hands the
/// [`Caller`] to the handler as a request extension. Refusals follow the error contract
/// (401 with `WWW-Authenticate`, 403, 429 with `Retry-After`, 503 when tokens cannot be
/// checked); the log line names the reason, never the credential.
pub async fn guard(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let caller = match guard.auth.authenticate(request.headers()).await {
        Ok(caller) => caller,
        Err(err) => {
            tracing::warn!(request_id = %id, path = %request.uri().path(), reason = %err, "authentication failed");
            let (status, kind) = match err {
                AuthError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorKind::Upstream),
                _ => (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized),
            };
            let mut response = error(status, ApiError::new(kind, err.to_string()), &id);
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"pyexec\""),
                );
            }
            return response;
        }
    };
    // A delegate (the LLM role) acting for one of its callers: from here on the request is
    // that caller's, with its own rate, queue share and jobs.
    let caller = if request.headers().contains_key(ON_BEHALF_OF) {
        if !caller.allows(Scope::Delegate) {
            tracing::warn!(request_id = %id, caller = %caller.id, "forbidden: acting for another caller needs the delegate scope");
            return error(
                StatusCode::FORBIDDEN,
                ApiError::new(
                    ErrorKind::Forbidden,
                    format!("{ON_BEHALF_OF} needs the delegate scope"),
                ),
                &id,
            );
        }
        match on_behalf_of(request.headers()) {
            Ok(Some(user)) => caller.acting_for(&user),
            Ok(None) => caller,
            Err(why) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    ApiError::new(ErrorKind::BadRequest, format!("{ON_BEHALF_OF}: {why}")),
                    &id,
                )
            }
        }
    } else {
        caller
    };
    if let Some(scope) = guard.scope {
        if !caller.allows(scope) {
            tracing::warn!(request_id = %id, caller = %caller.id, %scope, "forbidden: scope missing");
            return error(
                StatusCode::FORBIDDEN,
                ApiError::new(
                    ErrorKind::Forbidden,
                    format!("this credential lacks the {scope} scope"),
                ),
                &id,
            );
        }
    }
    if let Err(secs) = guard.auth.admit_rate(&caller) {
        tracing::warn!(request_id = %id, caller = %caller.id, "rate limited");
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            ApiError::new(
                ErrorKind::RateLimited,
                format!("this caller is over its rate limit; retry in {secs}s"),
            ),
            &id,
        );
        if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        // Counted by the metrics layer (`finish`), which holds the metrics.
        response
            .extensions_mut()
            .insert(RefusedForLoad(LoadReason::RateLimited));
        return response;
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(keys: &[(&str, &str, &[Scope])]) -> AuthSettings {
        AuthSettings {
            api_keys: keys
                .iter()
                .map(|(id, key, scopes)| ApiKeySettings {
                    id: (*id).to_owned(),
                    sha256: hash_key(key),
                    scopes: scopes.to_vec(),
                    max_concurrent: None,
                    rate_per_sec: None,
                })
                .collect(),
            ..AuthSettings::default()
        }
    }

    fn bearer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {value}")).expect("header"),
        );
        headers
    }

    #[tokio::test]
    async fn keys_are_found_by_digest_and_unknown_or_missing_ones_refused() {
        let auth = Authenticator::from_settings(&settings(&[("a", "secret-a", &[Scope::Execute])]))
            .expect("auth");
        let caller = auth.authenticate(&bearer("secret-a")).await.expect("known");
        assert_eq!(caller.id, "key:a");
        assert!(caller.allows(Scope::Execute) && !caller.allows(Scope::JobsRead));
        assert!(matches!(
            auth.authenticate(&bearer("secret-b")).await,
            Err(AuthError::UnknownKey)
        ));
        assert!(matches!(
            auth.authenticate(&HeaderMap::new()).await,
            Err(AuthError::Missing)
        ));
        let mut basic = HeaderMap::new();
        basic.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic eDp5"),
        );
        assert!(matches!(
            auth.authenticate(&basic).await,
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn bad_configuration_is_refused_at_start() {
        let mut bad = settings(&[("a", "k", &[])]);
        bad.api_keys[0].sha256 = "abc".to_owned();
        assert!(matches!(
            Authenticator::from_settings(&bad),
            Err(AuthSetupError::Digest { .. })
        ));
        let twice = settings(&[("a", "k1", &[]), ("a", "k2", &[])]);
        assert!(matches!(
            Authenticator::from_settings(&twice),
            Err(AuthSetupError::DuplicateId(_))
        ));
        assert!(Authenticator::from_settings(&AuthSettings::default())
            .expect("open")
            .is_open());
    }
}
