//! AMQP 1.0 connections (fe2o3-amqp) for the `amqp` source and sink: the URL checked
//! (plain `amqp://` only to loopback unless `events.allow_plaintext`; credentials never in
//! the URL), SASL PLAIN from `username`/`password`, TLS for `amqps://` through native-tls
//! (OpenSSL).

use std::time::Duration;

use fe2o3_amqp::connection::ConnectionHandle;
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::{Connection, Session};

use super::EventsError;
use crate::config::AmqpEndpoint;

/// An open connection with one session.
pub(super) struct Link {
    pub connection: ConnectionHandle<()>,
    pub session: SessionHandle<()>,
    /// Tasks that live as long as the connection (Event Hubs' token renewal on `$cbs`):
    /// aborted when it closes.
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Link {
    /// Ends the session and the connection (unsettled deliveries go back to the queue).
    pub async fn close(mut self) {
        for task in &self.tasks {
            task.abort();
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), self.session.end()).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.connection.close()).await;
    }
}

/// Whether `url` may be used: `amqps://` anywhere; `amqp://` to a loopback host, or anywhere
/// with `allow_plaintext`. Userinfo in the URL is refused (it would be shown and logged).
pub fn check_url(url: &str, allow_plaintext: bool) -> Result<(), EventsError> {
    let bad = |why: &str| EventsError::Url {
        url: url.to_owned(),
        why: why.to_owned(),
    };
    let (tls, rest) = if let Some(rest) = url.strip_prefix("amqps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("amqp://") {
        (false, rest)
    } else {
        return Err(bad("not an amqp:// or amqps:// URL"));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad(
            "credentials in the URL: set username and password (a secret) instead",
        ));
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !tls && !loopback && !allow_plaintext {
        return Err(bad(
            "plain AMQP to a host that is not loopback: use amqps://, or set events.allow_plaintext = true for a local emulator",
        ));
    }
    Ok(())
}

/// Connects to `endpoint` and begins a session; `name` tells the container apart in the
/// broker's management views.
pub(super) async fn connect(
    endpoint: &AmqpEndpoint,
    allow_plaintext: bool,
    name: &str,
) -> Result<Link, EventsError> {
    check_url(&endpoint.url, allow_plaintext)?;
    let sasl = endpoint
        .username
        .as_ref()
        .map(|username| SaslProfile::Plain {
            username: username.clone(),
            password: endpoint
                .password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default(),
        });
    connect_with(&endpoint.url, endpoint.connect_timeout_secs, name, sasl).await
}

/// Connects to `url` (already checked) with `sasl` (none: no SASL layer) and begins a
/// session.
pub(super) async fn connect_with(
    url: &str,
    connect_timeout_secs: f64,
    name: &str,
    sasl: Option<SaslProfile>,
) -> Result<Link, EventsError> {
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| EventsError::Connect {
        url: url.to_owned(),
        source,
    };
    let container = format!("pyexec-{name}-{}", uuid::Uuid::new_v4().simple());
    let mut builder = Connection::builder().container_id(container);
    if let Some(sasl) = sasl {
        builder = builder.sasl_profile(sasl);
    }
    let within =
        Duration::try_from_secs_f64(connect_timeout_secs).unwrap_or(Duration::from_secs(10));
    let open = async {
        let mut connection = builder.open(url).await.map_err(|e| failed(Box::new(e)))?;
        match Session::begin(&mut connection).await {
            Ok(session) => Ok(Link {
                connection,
                session,
                tasks: Vec::new(),
            }),
            Err(e) => {
                let _ = connection.close().await;
                Err(failed(Box::new(e)))
            }
        }
    };
    match tokio::time::timeout(within, open).await {
        Ok(result) => result,
        Err(_) => Err(failed(format!("no connection within {within:?}").into())),
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn plaintext_only_to_loopback() {
        assert!(check_url("amqp://127.0.0.1:5672", false).is_ok());
        assert!(check_url("amqp://localhost", false).is_ok());
        assert!(check_url("amqp://[::1]:5672", false).is_ok());
        assert!(check_url("amqp://broker.example:5672", false).is_err());
        assert!(check_url("amqp://10.0.0.5:5672", false).is_err());
        assert!(check_url("amqp://broker.example:5672", true).is_ok());
        assert!(check_url("amqps://broker.example:5671", false).is_ok());
    }

    #[test]
    fn no_credentials_in_the_url_and_only_amqp() {
        assert!(check_url("amqp://guest:guest@127.0.0.1:5672", false).is_err());
        assert!(check_url("http://127.0.0.1:5672", false).is_err());
        assert!(check_url("amqp://", false).is_err());
    }
}
