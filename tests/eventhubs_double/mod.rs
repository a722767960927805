//! An Event Hubs test double: a real AMQP 1.0 server (fe2o3-amqp's `acceptor`) on
//! 127.0.0.1 that speaks what Event Hubs speaks to its clients:
//!
//! - SASL ANONYMOUS, PLAIN and MSSBCBS (all let in: authorisation is by CBS token);
//! - `$cbs` put-token: the SAS token's signature is checked against the double's key
//!   (HMAC-SHA256 over the url-encoded resource and expiry), its key name and expiry too;
//!   the token authorises the connection for its audience until it expires. Attaching to
//!   a hub, sending and receiving need a live token; a connection whose token expired gets
//!   its messages rejected and its receive links closed (`amqp:unauthorized-access`);
//! - `$management` READ of `com.microsoft:eventhub` (partition ids) and
//!   `com.microsoft:partition` (sequence numbers), answered with `status-code`;
//! - send links to `<hub>` (partition = a hash of `x-opt-partition-key`, else round robin)
//!   and `<hub>/Partitions/<n>`; batches in Microsoft's batch format (message format
//!   0x80013700, one encoded message per data section) are split;
//! - receive links on `<hub>/ConsumerGroups/<group>/Partitions/<n>` with the
//!   `apache.org:selector-filter:string` filter on `amqp.annotation.x-opt-offset` or
//!   `x-opt-sequence-number` (`>` or `>=`), streaming what is stored and what comes next;
//! - every stored message carries `x-opt-sequence-number`, `x-opt-offset` (a string),
//!   `x-opt-enqueued-time` and, when given, `x-opt-partition-key`.
//!
//! Frames go out with every field of each performative, as the service writes them
//! ([`wire`]). Messages are kept in memory per partition. Addresses may come as `amqp[s]://host/…`
//! (Microsoft's clients send them so).

#![allow(dead_code)]

mod nodes;
mod server;
mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use fe2o3_amqp::acceptor::sasl_acceptor::SaslServerFrame;
use fe2o3_amqp::acceptor::{
    ConnectionAcceptor, LinkAcceptor, LinkEndpoint, ListenerSessionHandle, SaslAcceptor,
    SessionAcceptor, SupportedReceiverSettleModes,
};
use fe2o3_amqp::types::definitions::ReceiverSettleMode;
use fe2o3_amqp::types::definitions::{AmqpError, Error as AmqpErr};
use fe2o3_amqp::types::messaging::annotations::OwnedKey;
use fe2o3_amqp::types::messaging::{
    ApplicationProperties, Body, Data, Message, MessageAnnotations, Properties,
};
use fe2o3_amqp::types::primitives::{
    Array, Binary, OrderedMap, SimpleValue, Symbol, Timestamp, Value,
};
use fe2o3_amqp::types::sasl::{SaslCode, SaslInit, SaslOutcome, SaslResponse};
use fe2o3_amqp::{Receiver, Sender};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::watch;

pub const KEY_NAME: &str = "pyexec-test";
pub(super) const BATCH_FORMAT: u32 = 0x8001_3700;

/// A message as stored in a partition.
#[derive(Debug, Clone)]
pub struct Stored {
    pub partition: usize,
    pub sequence: i64,
    pub partition_key: Option<String>,
    pub message: Message<Body<Value>>,
    /// Sent with its body section cut short: no AMQP decoder takes it.
    pub undecodable: bool,
}

impl Stored {
    /// The body's bytes (data sections joined, or a string value).
    pub fn body(&self) -> Vec<u8> {
        match &self.message.body {
            Body::Data(sections) => sections.iter().flat_map(|d| d.0.to_vec()).collect(),
            Body::Value(v) => match &v.0 {
                Value::String(s) => s.clone().into_bytes(),
                Value::Binary(b) => b.to_vec(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

#[derive(Default)]
pub(super) struct Hub {
    partitions: Vec<Vec<Stored>>,
    round_robin: usize,
}

/// What the double saw, for tests to check.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub tokens_accepted: usize,
    /// Of those, Microsoft Entra access tokens (type `jwt`).
    pub jwt_accepted: usize,
    pub tokens_refused: usize,
    /// Receive links attached: (address, filter expression).
    pub receive_links: Vec<(String, String)>,
    pub management_reads: usize,
}

pub(super) struct State {
    key: String,
    /// The Entra access token this double takes (put with type `jwt`), if any.
    jwt: Mutex<Option<String>>,
    hubs: Mutex<HashMap<String, Hub>>,
    stored: watch::Sender<u64>,
    seen: Mutex<Seen>,
}

pub struct EventHubsDouble {
    pub port: u16,
    state: Arc<State>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl EventHubsDouble {
    /// Starts a double with `hubs` (name, partition count) on a port of its own.
    pub fn start(hubs: &[(&str, usize)]) -> Self {
        let state = Arc::new(State {
            key: base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes()),
            hubs: Mutex::new(
                hubs.iter()
                    .map(|(name, n)| {
                        (
                            (*name).to_owned(),
                            Hub {
                                partitions: vec![Vec::new(); *n],
                                round_robin: 0,
                            },
                        )
                    })
                    .collect(),
            ),
            stored: watch::channel(0).0,
            jwt: Mutex::new(None),
            seen: Mutex::new(Seen::default()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the double");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("the double's runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(server::serve_connection(stream, Arc::clone(&shared)));
                }
            });
        });
        Self { port, state }
    }

    /// An emulator-style connection string for `hub`.
    pub fn connection_string(&self, hub: &str) -> String {
        self.connection_string_with_key(hub, &self.state.key)
    }

    pub fn connection_string_with_key(&self, hub: &str, key: &str) -> String {
        format!(
            "Endpoint=sb://127.0.0.1:{};SharedAccessKeyName={KEY_NAME};SharedAccessKey={key};EntityPath={hub};UseDevelopmentEmulator=true",
            self.port
        )
    }

    /// Stores a message as if a producer had sent it (partition by key, else round robin).
    pub fn publish(
        &self,
        hub: &str,
        partition_key: Option<&str>,
        message_id: Option<&str>,
        body: Vec<u8>,
    ) -> (usize, i64) {
        self.publish_to(hub, None, partition_key, message_id, body)
    }

    /// Stores a message as if a producer had sent it to `partition` (else by key, else
    /// round robin).
    pub fn publish_to(
        &self,
        hub: &str,
        partition: Option<usize>,
        partition_key: Option<&str>,
        message_id: Option<&str>,
        body: Vec<u8>,
    ) -> (usize, i64) {
        let message = Message {
            header: None,
            delivery_annotations: None,
            message_annotations: partition_key.map(|k| {
                MessageAnnotations::builder()
                    .insert("x-opt-partition-key", k.to_owned())
                    .build()
            }),
            properties: Some(Properties {
                message_id: message_id.map(|id| id.to_owned().into()),
                ..Properties::default()
            }),
            application_properties: None,
            body: Body::Data(vec![Data(Binary::from(body))].into()),
            footer: None,
        };
        store(&self.state, hub, partition, message, false)
            .expect("a hub and partition of the double")
    }

    /// Stores a message in `partition` that goes out to readers with its body section cut
    /// short (a string announced longer than what follows): what a broken producer could
    /// leave in a hub, which no AMQP decoder takes.
    pub fn publish_undecodable(&self, hub: &str, partition: usize) -> (usize, i64) {
        let message = Message {
            header: None,
            delivery_annotations: None,
            message_annotations: None,
            properties: None,
            application_properties: None,
            body: Body::Empty,
            footer: None,
        };
        store(&self.state, hub, Some(partition), message, true)
            .expect("a hub and partition of the double")
    }

    /// Everything stored in `hub`, partition by partition.
    pub fn stored(&self, hub: &str) -> Vec<Stored> {
        lock(&self.state.hubs)
            .get(hub)
            .map(|h| h.partitions.iter().flatten().cloned().collect())
            .unwrap_or_default()
    }

    /// Takes `token` as a valid Microsoft Entra access token from now on.
    pub fn accept_jwt(&self, token: &str) {
        *lock(&self.state.jwt) = Some(token.to_owned());
    }

    pub fn seen(&self) -> Seen {
        lock(&self.state.seen).clone()
    }
}

/// Stores `message` in `hub` (in `partition`, or by its partition key, or round robin).
pub(super) fn store(
    state: &State,
    hub: &str,
    partition: Option<usize>,
    mut message: Message<Body<Value>>,
    undecodable: bool,
) -> Option<(usize, i64)> {
    let key_symbol = OwnedKey::Symbol(Symbol::from("x-opt-partition-key"));
    let partition_key = message
        .message_annotations
        .as_ref()
        .and_then(|a| a.0.get(&key_symbol))
        .and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            _ => None,
        });
    let mut hubs = lock(&state.hubs);
    let h = hubs.get_mut(hub)?;
    let count = h.partitions.len();
    let p = match (partition, &partition_key) {
        (Some(p), _) if p < count => p,
        (Some(_), _) => return None,
        (None, Some(key)) => {
            // FNV-1a: stable across runs.
            let mut hash: u32 = 0x811c_9dc5;
            for b in key.bytes() {
                hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
            hash as usize % count
        }
        (None, None) => {
            h.round_robin = (h.round_robin + 1) % count;
            h.round_robin
        }
    };
    let sequence = h.partitions[p].len() as i64;
    let annotations = message
        .message_annotations
        .get_or_insert_with(|| MessageAnnotations(OrderedMap::new()));
    annotations.0.insert(
        OwnedKey::Symbol(Symbol::from("x-opt-sequence-number")),
        Value::Long(sequence),
    );
    annotations.0.insert(
        OwnedKey::Symbol(Symbol::from("x-opt-offset")),
        Value::String(sequence.to_string()),
    );
    annotations.0.insert(
        OwnedKey::Symbol(Symbol::from("x-opt-enqueued-time")),
        Value::Timestamp(Timestamp::from_milliseconds(now_ms())),
    );
    h.partitions[p].push(Stored {
        partition: p,
        sequence,
        partition_key,
        message,
        undecodable,
    });
    drop(hubs);
    state.stored.send_modify(|n| *n += 1);
    Some((p, sequence))
}
