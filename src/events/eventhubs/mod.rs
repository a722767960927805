//! Azure Event Hubs (`kind = "eventhubs"`), through fe2o3-amqp directly:
//!
//! - [`auth`]: connection strings, SAS tokens, `$cbs` put-token and its renewal;
//! - [`entra`]: Microsoft Entra workload identity (access tokens put as `jwt`);
//! - [`management`]: the hub's partition ids from `$management`;
//! - [`store`]: checkpoints and partition ownership records on the storage layer
//!   (opendal: a local folder, Azure Blob), claimed with conditional writes;
//! - [`processor`]: the event source: partitions balanced across replicas, each read in
//!   order from its checkpoint ([`partition`]) into THE consumer;
//! - the sink is [`super::sink`]'s publisher, sending to the hub with the request id as
//!   partition key.
//!
//! Why not Microsoft's `azure_messaging_eventhubs` crate (0.16): it is built on
//! `azure_core_amqp` 1.2.0-beta.1, which depends on fe2o3-amqp 0.16 while pyexec uses 0.18
//! (the versions do not unify: two AMQP stacks in one binary) and on rustls with the
//! platform verifier (a second TLS stack beside our OpenSSL). What it would have given
//! (CBS, the management READ, the selector filter, a checkpoint store and load balancer)
//! is small enough to own here, behind the same [`super::source::EventSource`] and
//! consumer as the `amqp` kind.

pub mod auth;
pub mod entra;
pub mod management;
pub mod partition;
pub mod processor;
pub mod store;

use std::time::Duration;

use fe2o3_amqp::sasl_profile::SaslProfile;

use super::amqp::{check_url, connect_with, Link};
use super::EventsError;
use crate::config::EventHubsEndpoint;
pub use auth::ConnectionString;

/// How a replica proves who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A connection string's shared access key: SAS tokens.
    Sas(ConnectionString),
    /// Microsoft Entra workload identity: access tokens (JWT).
    WorkloadIdentity(entra::WorkloadIdentity),
}

/// An Event Hubs endpoint resolved: credential, URL and the hub.
#[derive(Debug, Clone)]
pub struct Hub {
    /// The namespace's host (no port): tokens' audience, checkpoint store prefix.
    pub host: String,
    pub credential: Credential,
    pub url: String,
    /// The event hub (the connection string's `EntityPath`, else the setting `address`).
    pub name: String,
    pub connect_timeout_secs: f64,
    /// SAS tokens' lifetime.
    pub token_ttl: Duration,
}

impl Hub {
    /// Resolves `endpoint`; plain AMQP only to loopback unless `allow_plaintext`.
    pub fn resolve(
        endpoint: &EventHubsEndpoint,
        allow_plaintext: bool,
    ) -> Result<Self, EventsError> {
        let (host, url, credential, entity) = match (&endpoint.connection_string, &endpoint.namespace) {
            (Some(text), _) => {
                let parsed = ConnectionString::parse(text.expose())?;
                let entity = parsed.entity_path.clone();
                (parsed.host.clone(), parsed.url(), Credential::Sas(parsed), entity)
            }
            (None, Some(namespace)) => {
                let url = if namespace.starts_with("amqp://") || namespace.starts_with("amqps://") {
                    namespace.trim_end_matches('/').to_owned()
                } else {
                    format!("amqps://{}:5671", namespace.trim_end_matches('/'))
                };
                let authority = url
                    .split("://")
                    .nth(1)
                    .and_then(|rest| rest.split('/').next())
                    .unwrap_or_default();
                let host = match authority.rsplit_once(':') {
                    Some((host, port)) if port.parse::<u16>().is_ok() => host.to_owned(),
                    _ => authority.to_owned(),
                };
                let identity = entra::WorkloadIdentity::from_env()?;
                (host, url, Credential::WorkloadIdentity(identity), None)
            }
            (None, None) => {
                return Err(EventsError::ConnectionString(
                    "kind = \"eventhubs\" needs connection_string (a secret) or namespace (Entra workload identity)".to_owned(),
                ))
            }
        };
        check_url(&url, allow_plaintext)?;
        let name = entity.unwrap_or_else(|| endpoint.address.trim_matches('/').to_owned());
        if name.is_empty() || name.contains('/') {
            return Err(EventsError::ConnectionString(format!(
                "the event hub {name:?} is not a hub name (EntityPath, or the address setting)"
            )));
        }
        Ok(Self {
            host,
            credential,
            url,
            name,
            connect_timeout_secs: endpoint.connect_timeout_secs,
            // Two seconds to a day (a token's expiry is a time, which must not overflow).
            token_ttl: Duration::from_secs(endpoint.token_ttl_secs.clamp(2, 86_400)),
        })
    }

    /// The audience of tokens for the hub and every address under it.
    pub fn audience(&self) -> String {
        format!("sb://{}/{}", self.host, self.name)
    }

    /// A token for the hub: the token, its `$cbs` type and how long it is valid.
    pub(super) async fn token(&self) -> Result<(String, &'static str, Duration), EventsError> {
        match &self.credential {
            Credential::Sas(key) => {
                // The expiry is in whole seconds: the lifetime is what is left of it now
                // (up to a second less than the setting), so renewal comes in time.
                let expires = auth::now_secs() + self.token_ttl.as_secs();
                let left = std::time::UNIX_EPOCH + Duration::from_secs(expires);
                let lifetime = left
                    .duration_since(std::time::SystemTime::now())
                    .unwrap_or_default();
                Ok((
                    key.token(&self.audience(), expires),
                    "servicebus.windows.net:sastoken",
                    lifetime,
                ))
            }
            Credential::WorkloadIdentity(identity) => {
                let (token, lifetime) = identity.access_token().await?;
                Ok((token, "jwt", lifetime))
            }
        }
    }

    /// The address of a partition read in `consumer_group`.
    pub fn partition_address(&self, consumer_group: &str, partition: &str) -> String {
        format!(
            "{}/ConsumerGroups/{consumer_group}/Partitions/{partition}",
            self.name
        )
    }
}

/// Connects (SASL ANONYMOUS, then a token put on `$cbs` for the hub, renewed while the
/// connection lives).
pub(super) async fn connect(hub: &Hub, name: &str) -> Result<Link, EventsError> {
    let mut link = connect_with(
        &hub.url,
        hub.connect_timeout_secs,
        name,
        Some(SaslProfile::Anonymous),
    )
    .await?;
    let authorised = async {
        let mut cbs = auth::Cbs::open(&mut link.session, hub.clone()).await?;
        let renew_in = cbs.put_token().await?;
        Ok::<_, EventsError>((cbs, renew_in))
    };
    match authorised.await {
        Ok((cbs, renew_in)) => {
            link.tasks.push(tokio::spawn(cbs.keep_renewing(renew_in)));
            Ok(link)
        }
        Err(err) => {
            link.close().await;
            Err(err)
        }
    }
}
