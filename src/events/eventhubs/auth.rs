//! Event Hubs authentication with a connection string: the string parsed (its key kept a
//! [`Secret`]), SAS tokens signed with it (HMAC-SHA256 over the resource URI and expiry, as
//! Microsoft documents), and claims-based security: each token (SAS, or an Entra access
//! token from [`super::entra`]) is put on the connection's
//! `$cbs` node (a request/response exchange over one sender and one receiver link) before
//! a link to the hub is attached, and put again at four fifths of its lifetime by a task
//! that lives as long as the connection. Event Hubs allows one `$cbs` link pair per
//! connection, so one [`Cbs`] serves every put on a connection, one at a time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::types::messaging::{ApplicationProperties, Body, Message, Properties};
use fe2o3_amqp::types::primitives::{SimpleValue, Value};
use fe2o3_amqp::{Receiver, Sender};
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::Sha256;

use super::super::EventsError;
use crate::config::Secret;

/// What a connection string says.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionString {
    /// The namespace's host (`NAMESPACE.servicebus.windows.net`, or the emulator's).
    pub host: String,
    /// A port given in the endpoint (the emulator's), if any.
    pub port: Option<u16>,
    pub key_name: String,
    pub key: Secret,
    pub entity_path: Option<String>,
    /// `UseDevelopmentEmulator=true`: plain AMQP (port 5672 unless given).
    pub emulator: bool,
}

impl ConnectionString {
    /// Parses `Endpoint=sb://HOST[:PORT]/;SharedAccessKeyName=..;SharedAccessKey=..[;EntityPath=..]
    /// [;UseDevelopmentEmulator=true]`. Errors never quote the key.
    pub fn parse(text: &str) -> Result<Self, EventsError> {
        let bad = |why: &str| EventsError::ConnectionString(why.to_owned());
        let mut endpoint = None;
        let mut key_name = None;
        let mut key = None;
        let mut entity_path = None;
        let mut emulator = false;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(bad("a part without `=` (expected Name=value;...)"));
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => endpoint = Some(value.trim().to_owned()),
                "sharedaccesskeyname" => key_name = Some(value.trim().to_owned()),
                "sharedaccesskey" => key = Some(Secret::new(value.trim())),
                "entitypath" => entity_path = Some(value.trim().to_owned()),
                "usedevelopmentemulator" => emulator = value.trim().eq_ignore_ascii_case("true"),
                "sharedaccesssignature" => {
                    return Err(bad(
                        "SharedAccessSignature connection strings are not supported: give SharedAccessKeyName and SharedAccessKey",
                    ))
                }
                other => {
                    return Err(EventsError::ConnectionString(format!(
                        "unknown part {other:?}"
                    )))
                }
            }
        }
        let endpoint = endpoint.ok_or_else(|| bad("no Endpoint"))?;
        let rest = endpoint
            .strip_prefix("sb://")
            .or_else(|| endpoint.strip_prefix("amqps://"))
            .or_else(|| endpoint.strip_prefix("amqp://"))
            .ok_or_else(|| bad("the Endpoint is not sb://HOST/"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad("credentials in the Endpoint"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| bad("the Endpoint's port is not a number"))?;
                (host.to_owned(), Some(port))
            }
            _ => (authority.to_owned(), None),
        };
        if host.is_empty() {
            return Err(bad("the Endpoint has no host"));
        }
        Ok(Self {
            host,
            port,
            key_name: key_name.ok_or_else(|| bad("no SharedAccessKeyName"))?,
            key: key.ok_or_else(|| bad("no SharedAccessKey"))?,
            entity_path: entity_path.filter(|p| !p.is_empty()),
            emulator,
        })
    }

    /// The AMQP URL: `amqps://HOST:5671`, or `amqp://HOST:5672` for the emulator.
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.emulator {
            format!("amqp://{host}:{}", self.port.unwrap_or(5672))
        } else {
            format!("amqps://{host}:{}", self.port.unwrap_or(5671))
        }
    }

    /// The audience of tokens for `entity`: `sb://HOST/ENTITY`.
    pub fn audience(&self, entity: &str) -> String {
        format!("sb://{}/{}", self.host, entity)
    }

    /// A SAS token for `audience`, valid until `expires` (seconds since the epoch).
    pub fn token(&self, audience: &str, expires: u64) -> String {
        sas_token(audience, &self.key_name, self.key.expose(), expires)
    }
}

/// What URL encoding leaves as it is in SAS tokens (as Python's `quote_plus` and .NET's
/// `WebUtility.UrlEncode` do: letters, digits and `- _ . ~`).
const TOKEN_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `SharedAccessSignature sr=..&sig=..&se=..&skn=..`: the signature is the base64 of
/// HMAC-SHA256(key, url-encoded resource + "\n" + expiry).
pub fn sas_token(resource: &str, key_name: &str, key: &str, expires: u64) -> String {
    let encoded = utf8_percent_encode(resource, TOKEN_SAFE).to_string();
    let signature = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(format!("{encoded}\n{expires}").as_bytes());
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length: never reached.
        Err(_) => String::new(),
    };
    format!(
        "SharedAccessSignature sr={encoded}&sig={}&se={expires}&skn={}",
        utf8_percent_encode(&signature, TOKEN_SAFE),
        utf8_percent_encode(key_name, TOKEN_SAFE),
    )
}

pub(super) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A request/response client on a node of the connection (`$cbs`, `$management`): one
/// sender to the node and one receiver from it whose target is the reply-to address.
pub(super) struct RequestLink {
    node: String,
    sender: Sender,
    receiver: Receiver,
    reply_to: String,
}

/// The answer to a request: its status code and description, and its body.
pub(super) struct Reply {
    pub status: i64,
    pub description: String,
    pub body: Option<Value>,
}

impl RequestLink {
    pub async fn open(session: &mut SessionHandle<()>, node: &str) -> Result<Self, EventsError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let reply_to = format!("{node}-reply-{id}");
        let sender = Sender::attach(session, format!("pyexec-{node}-sender-{id}"), node)
            .await
            .map_err(|e| EventsError::Link(Box::new(e)))?;
        let receiver = Receiver::builder()
            .name(format!("pyexec-{node}-receiver-{id}"))
            .source(node)
            .target(reply_to.as_str())
            .attach(session)
            .await
            .map_err(|e| EventsError::Link(Box::new(e)))?;
        Ok(Self {
            node: node.to_owned(),
            sender,
            receiver,
            reply_to,
        })
    }

    /// Sends a request with `properties` (and `body`), waits up to `within` for its reply.
    pub async fn request(
        &mut self,
        properties: &[(&str, &str)],
        body: Option<String>,
        within: Duration,
    ) -> Result<Reply, EventsError> {
        let failed = |why: String| EventsError::Request {
            node: self.node.clone(),
            why,
        };
        let message_id = uuid::Uuid::new_v4().to_string();
        let mut application = ApplicationProperties::builder();
        for (name, value) in properties {
            application = application.insert(*name, *value);
        }
        let message = Message::builder()
            .properties(Properties {
                message_id: Some(message_id.clone().into()),
                reply_to: Some(self.reply_to.clone()),
                ..Properties::default()
            })
            .application_properties(application.build())
            .value(body.map(Value::String).unwrap_or(Value::Null))
            .build();
        let exchange = async {
            self.sender
                .send(message)
                .await
                .map_err(|e| EventsError::Link(Box::new(e)))?;
            loop {
                let delivery = self
                    .receiver
                    .recv::<Body<Value>>()
                    .await
                    .map_err(|e| EventsError::Link(Box::new(e)))?;
                let _ = self.receiver.accept(&delivery).await;
                let message = delivery.into_message();
                let correlates = message
                    .properties
                    .as_ref()
                    .and_then(|p| p.correlation_id.as_ref())
                    .is_none_or(|c| {
                        super::super::amqp_source::id_text(c).as_deref() == Some(&message_id)
                    });
                if !correlates {
                    continue;
                }
                let props = message.application_properties.map(|p| p.0);
                let get = |names: &[&str]| {
                    props
                        .as_ref()
                        .and_then(|p| names.iter().find_map(|n| p.get(*n)).cloned())
                };
                let status = get(&["status-code", "statusCode"])
                    .and_then(|v| simple_int(&v))
                    .unwrap_or(0);
                let description = match get(&["status-description", "statusDescription"]) {
                    Some(SimpleValue::String(s)) => s,
                    _ => String::new(),
                };
                let body = match message.body {
                    Body::Value(v) => Some(v.0),
                    _ => None,
                };
                return Ok(Reply {
                    status,
                    description,
                    body,
                });
            }
        };
        match tokio::time::timeout(within, exchange).await {
            Ok(reply) => reply,
            Err(_) => Err(failed(format!("no reply within {within:?}"))),
        }
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.sender.detach()).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.receiver.detach()).await;
    }
}

fn simple_int(value: &SimpleValue) -> Option<i64> {
    match value {
        SimpleValue::Int(n) => Some(i64::from(*n)),
        SimpleValue::Long(n) => Some(*n),
        SimpleValue::Uint(n) => Some(i64::from(*n)),
        SimpleValue::Ulong(n) => i64::try_from(*n).ok(),
        SimpleValue::Short(n) => Some(i64::from(*n)),
        SimpleValue::Ushort(n) => Some(i64::from(*n)),
        SimpleValue::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The connection's `$cbs` client.
pub(super) struct Cbs {
    link: RequestLink,
    hub: super::Hub,
}

impl Cbs {
    pub async fn open(
        session: &mut SessionHandle<()>,
        hub: super::Hub,
    ) -> Result<Self, EventsError> {
        Ok(Self {
            link: RequestLink::open(session, "$cbs").await?,
            hub,
        })
    }

    /// Puts a fresh token for the hub; the time until it should be renewed (four fifths of
    /// its lifetime).
    pub async fn put_token(&mut self) -> Result<Duration, EventsError> {
        let audience = self.hub.audience();
        let (token, kind, lifetime) = self.hub.token().await?;
        let reply = self
            .link
            .request(
                &[
                    ("operation", "put-token"),
                    ("type", kind),
                    ("name", audience.as_str()),
                ],
                Some(token),
                Duration::from_secs(30),
            )
            .await?;
        if !(200..300).contains(&reply.status) {
            return Err(EventsError::Request {
                node: "$cbs".to_owned(),
                why: format!(
                    "put-token for {audience} answered {} {}",
                    reply.status, reply.description
                ),
            });
        }
        tracing::debug!(%audience, kind, lifetime_secs = lifetime.as_secs(), "event hubs: token put on $cbs");
        Ok(lifetime.mul_f64(0.8).max(Duration::from_secs(1)))
    }

    /// Renews the token before it expires, until the connection fails (the task is aborted
    /// when the connection closes).
    pub async fn keep_renewing(mut self, mut renew_in: Duration) {
        loop {
            tokio::time::sleep(renew_in).await;
            match self.put_token().await {
                Ok(next) => renew_in = next,
                Err(err) => {
                    tracing::warn!(audience = %self.hub.audience(), error = %crate::telemetry::error_chain(&err), "event hubs: token not renewed; retrying in 5 s");
                    renew_in = Duration::from_secs(5);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{sas_token, ConnectionString};

    #[test]
    fn a_connection_string_is_parsed_and_its_key_kept_secret() {
        let cs = ConnectionString::parse(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0;EntityPath=hub",
        )
        .expect("parsed");
        assert_eq!(cs.host, "ns.servicebus.windows.net");
        assert_eq!(cs.url(), "amqps://ns.servicebus.windows.net:5671");
        assert_eq!(cs.entity_path.as_deref(), Some("hub"));
        assert!(!format!("{cs:?}").contains("c2VjcmV0"));
        let emulator = ConnectionString::parse(
            "Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true",
        )
        .expect("parsed");
        assert_eq!(emulator.url(), "amqp://127.0.0.1:5673");
        assert_eq!(emulator.entity_path, None);
        let err =
            ConnectionString::parse("Endpoint=sb://h/;SharedAccessKeyName=k").expect_err("no key");
        assert!(err.to_string().contains("no SharedAccessKey"), "{err}");
        let err = ConnectionString::parse("Endpoint=sb://h/;SharedAccessKey=topsecret;Bogus=1")
            .expect_err("unknown part");
        assert!(!err.to_string().contains("topsecret"), "{err}");
    }

    #[test]
    fn sas_tokens_follow_the_documented_signature() {
        // Computed independently: python3 -c 'import hmac,hashlib,base64,urllib.parse as u;
        // r=u.quote_plus("sb://ns/hub"); print(base64.b64encode(hmac.new(b"key",
        // (r+"\n1700000000").encode(),hashlib.sha256).digest()).decode())'
        let token = sas_token("sb://ns/hub", "name", "key", 1_700_000_000);
        assert_eq!(
            token,
            "SharedAccessSignature sr=sb%3A%2F%2Fns%2Fhub&sig=Wfk7l4hIBdecSGUXa7KSlNkiPjR%2F9K8V8ahwG%2BCyC4s%3D&se=1700000000&skn=name"
        );
    }
}
