//! Who is calling: the identity every request carries once authenticated, used for
//! authorization (scopes, job ownership) and for fair admission (one queue per caller).

use serde::{Deserialize, Serialize};

/// What a credential allows. `admin` allows everything, including other callers' jobs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Scope {
    /// `POST /api/v1/query` (the LLM role).
    #[serde(rename = "query")]
    Query,
    /// `POST /api/v1/execute_snippet`.
    #[serde(rename = "execute")]
    Execute,
    /// `GET /api/v1/jobs/{id}`: the caller's own jobs.
    #[serde(rename = "jobs:read")]
    JobsRead,
    /// `POST /api/v1/create_heavy_job`.
    #[serde(rename = "jobs:write")]
    JobsWrite,
    /// Act for another caller (`X-Pyexec-On-Behalf-Of`): the LLM role's credential for the
    /// executor, so that each of its users is admitted, limited and owns jobs as themselves.
    #[serde(rename = "delegate")]
    Delegate,
    /// Everything, every caller's jobs, the detailed health.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::Query,
        Scope::Execute,
        Scope::JobsRead,
        Scope::JobsWrite,
        Scope::Delegate,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Query => "query",
            Scope::Execute => "execute",
            Scope::JobsRead => "jobs:read",
            Scope::JobsWrite => "jobs:write",
            Scope::Delegate => "delegate",
            Scope::Admin => "admin",
        }
    }

    /// The scope a token claim or configuration string names (`jobs.read` is accepted for
    /// `jobs:read`: Entra ID app roles cannot hold a colon).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text || s.as_str().replace(':', ".") == text)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller (or the anonymous caller of a service running open on loopback).
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// Stable identity: `key:<id>` for an API key, `oidc:<issuer-subject>` for a token,
    /// `anonymous` when the service runs open. Jobs are owned by it; admission queues by it.
    pub id: String,
    pub scopes: Vec<Scope>,
    /// Per-caller overrides of the admission limits (from the API key's configuration).
    pub max_concurrent: Option<usize>,
    pub rate_per_sec: Option<f64>,
    /// Acting for a user on a delegate's behalf ([`Caller::acting_for`]): only such a
    /// caller is believed when it says where a request came from (the LLM role's queries).
    pub delegated: bool,
}

impl Caller {
    /// The caller of a service without credentials (loopback only): every scope.
    pub fn anonymous() -> Self {
        Self {
            id: "anonymous".to_owned(),
            scopes: Scope::ALL.to_vec(),
            max_concurrent: None,
            rate_per_sec: None,
            delegated: false,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.scopes.contains(&Scope::Admin)
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.is_admin() || self.scopes.contains(&scope)
    }

    /// The caller `self` acts for (`delegate` scope): `user` as `self` knows it, named
    /// `<self.id>/<user>` so that it can never be one of this service's own callers (two
    /// services' `key:bob` are not the same principal). It has `self`'s scopes but neither
    /// `admin` nor `delegate` (an `admin` delegate's users get the scopes to run code and
    /// jobs), `self`'s rate (the delegate limits its users itself), and the default cap of a
    /// caller of its own, so that its users share the pool fairly.
    pub fn acting_for(&self, user: &str) -> Caller {
        let scopes = if self.is_admin() {
            vec![Scope::Execute, Scope::JobsRead, Scope::JobsWrite]
        } else {
            self.scopes
                .iter()
                .copied()
                .filter(|s| !matches!(s, Scope::Admin | Scope::Delegate))
                .collect()
        };
        Caller {
            id: format!("{}/{user}", self.id),
            scopes,
            max_concurrent: None,
            rate_per_sec: self.rate_per_sec,
            delegated: true,
        }
    }

    /// Whether this caller may see what `owner` owns: its own, or anything with `admin`.
    /// Records without an owner (kept by an older version) are for `admin` alone.
    pub fn may_see(&self, owner: Option<&str>) -> bool {
        self.is_admin() || owner == Some(self.id.as_str())
    }
}
