//! Microsoft Entra ID through workload identity (AKS): the federated service-account token
//! (`AZURE_FEDERATED_TOKEN_FILE`, re-read at every exchange since the kubelet rotates it) is
//! exchanged at `AZURE_AUTHORITY_HOST` (default `https://login.microsoftonline.com/`) for an
//! access token of scope `https://eventhubs.azure.net/.default` (OAuth 2.0 client
//! credentials with a JWT client assertion, for `AZURE_CLIENT_ID` in `AZURE_TENANT_ID`), as
//! `azure_identity`'s `WorkloadIdentityCredential` does. The access token is put on `$cbs`
//! with type `jwt`.
//!
//! Not `azure_identity` itself: it comes with `azure_core` 1.x (the stack of
//! `azure_messaging_eventhubs`, see [`super`]); this exchange is one form POST over the
//! reqwest client pyexec already has.

use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::events::EventsError;

const SCOPE: &str = "https://eventhubs.azure.net/.default";

/// Workload identity settings, from the environment the AKS webhook injects.
#[derive(Debug, Clone)]
pub struct WorkloadIdentity {
    client_id: String,
    tenant_id: String,
    token_file: PathBuf,
    authority: String,
}

fn failed(why: impl Into<String>) -> EventsError {
    EventsError::Entra(why.into())
}

impl WorkloadIdentity {
    /// From `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and
    /// `AZURE_AUTHORITY_HOST`.
    pub fn from_env() -> Result<Self, EventsError> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| failed(format!("{name} is not set (workload identity)")))
        };
        Ok(Self {
            client_id: var("AZURE_CLIENT_ID")?,
            tenant_id: var("AZURE_TENANT_ID")?,
            token_file: PathBuf::from(var("AZURE_FEDERATED_TOKEN_FILE")?),
            authority: std::env::var("AZURE_AUTHORITY_HOST")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "https://login.microsoftonline.com/".to_owned()),
        })
    }

    /// An access token for Event Hubs and how long it is valid.
    pub async fn access_token(&self) -> Result<(String, Duration), EventsError> {
        let assertion = std::fs::read_to_string(&self.token_file).map_err(|e| {
            failed(format!(
                "cannot read the federated token {}: {e}",
                self.token_file.display()
            ))
        })?;
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority.trim_end_matches('/'),
            self.tenant_id
        );
        let form = [
            ("client_id", self.client_id.as_str()),
            ("scope", SCOPE),
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.trim()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| failed(format!("HTTP client: {e}")))?;
        let response = client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| failed(format!("POST {url}: {e}")))?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| failed(format!("POST {url}: {status}, not JSON: {e}")))?;
        if !status.is_success() {
            return Err(failed(format!(
                "POST {url}: {status}: {}",
                body["error_description"]
                    .as_str()
                    .or(body["error"].as_str())
                    .unwrap_or("no error description")
            )));
        }
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| failed(format!("POST {url}: no access_token in the answer")))?;
        let lifetime = body["expires_in"]
            .as_u64()
            .or_else(|| body["expires_in"].as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(3600);
        Ok((token.to_owned(), Duration::from_secs(lifetime)))
    }
}
