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
const BATCH_FORMAT: u32 = 0x8001_3700;

/// A message as stored in a partition.
#[derive(Debug, Clone)]
pub struct Stored {
    pub partition: usize,
    pub sequence: i64,
    pub partition_key: Option<String>,
    pub message: Message<Body<Value>>,
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
struct Hub {
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

struct State {
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_ms() -> i64 {
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
                    tokio::spawn(serve_connection(stream, Arc::clone(&shared)));
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
        store(&self.state, hub, None, message).expect("a hub of the double")
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

/// Every mechanism lets in: Event Hubs authorises with CBS tokens.
#[derive(Clone)]
struct Sasl;

impl SaslAcceptor for Sasl {
    fn mechanisms(&self) -> Array<Symbol> {
        Array::from(vec![
            Symbol::from("ANONYMOUS"),
            Symbol::from("PLAIN"),
            Symbol::from("MSSBCBS"),
        ])
    }

    fn on_init(&mut self, _init: SaslInit) -> SaslServerFrame {
        SaslServerFrame::Outcome(SaslOutcome {
            code: SaslCode::Ok,
            additional_data: None,
        })
    }

    fn on_response(&mut self, _response: SaslResponse) -> SaslServerFrame {
        SaslServerFrame::Outcome(SaslOutcome {
            code: SaslCode::Ok,
            additional_data: None,
        })
    }
}

/// One connection's authorisation and reply routes.
#[derive(Default)]
struct Connection {
    /// Audience → expiry (seconds since the epoch).
    tokens: Mutex<HashMap<String, u64>>,
    /// Reply address → the link that delivers replies there (and node → latest link).
    replies: Mutex<HashMap<String, tokio::sync::mpsc::UnboundedSender<Message<Body<Value>>>>>,
}

impl Connection {
    /// Whether a live token covers `entity` (a hub, or a path under it): its audience is
    /// the namespace, the entity, or a path above it.
    fn authorised(&self, entity: &str) -> bool {
        let now = now_ms() as u64 / 1000;
        let entity = entity.to_ascii_lowercase();
        lock(&self.tokens).iter().any(|(audience, expires)| {
            let scope = path_of(audience).to_ascii_lowercase();
            *expires > now
                && (scope.is_empty() || entity == scope || entity.starts_with(&format!("{scope}/")))
        })
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, state: Arc<State>) {
    let acceptor = ConnectionAcceptor::builder()
        .container_id("eventhubs-double")
        .sasl_acceptor(Sasl)
        .build();
    let Ok(mut connection) = acceptor.accept(wire::FullFrames::new(stream)).await else {
        return;
    };
    let conn = Arc::new(Connection::default());
    // handle-max in full (the service sends it; pyamqp needs it, and fe2o3 leaves out the
    // default value).
    let sessions = SessionAcceptor::builder().handle_max(65_535u32).build();
    while let Ok(session) = sessions.accept(&mut connection).await {
        tokio::spawn(serve_session(
            session,
            Arc::clone(&state),
            Arc::clone(&conn),
        ));
    }
    let _ = connection.close().await;
}

/// `amqps://host/hub/…` or `/hub/…` → `hub/…`.
fn path_of(address: &str) -> String {
    let rest = address
        .strip_prefix("amqps://")
        .or_else(|| address.strip_prefix("amqp://"))
        .or_else(|| address.strip_prefix("sb://"))
        .map(|r| r.split_once('/').map(|(_, p)| p).unwrap_or(""))
        .unwrap_or(address);
    rest.trim_matches('/').to_owned()
}

fn address_of_source(attach: &fe2o3_amqp::types::performatives::Attach) -> String {
    attach
        .source
        .as_ref()
        .and_then(|s| s.address.clone())
        .unwrap_or_default()
}

fn address_of_target(attach: &fe2o3_amqp::types::performatives::Attach) -> String {
    use fe2o3_amqp::types::messaging::TargetArchetype;
    match attach.target.as_deref() {
        Some(TargetArchetype::Target(t)) => t.address.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

fn filter_of(attach: &fe2o3_amqp::types::performatives::Attach) -> String {
    let Some(filter) = attach.source.as_ref().and_then(|s| s.filter.as_ref()) else {
        return String::new();
    };
    filter
        .iter()
        .find_map(|(_, v)| match v {
            Value::Described(d) => match &d.value {
                Value::String(s) => Some(s.clone()),
                _ => None,
            },
            Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

async fn serve_session(
    mut session: ListenerSessionHandle,
    state: Arc<State>,
    conn: Arc<Connection>,
) {
    // Deliveries are settled at once (receiver-settle-mode first), as the service does:
    // pyamqp waits for a settled disposition.
    let acceptor = LinkAcceptor::builder()
        .supported_receiver_settle_modes(SupportedReceiverSettleModes::First)
        .fallback_receiver_settle_mode(ReceiverSettleMode::First)
        .build();
    while let Some(attach) = session.next_incoming_attach().await {
        let source = path_of(&address_of_source(&attach));
        let target = path_of(&address_of_target(&attach));
        let filter = filter_of(&attach);
        let Ok(link) = acceptor.accept_incoming_attach(attach, &mut session).await else {
            continue;
        };
        match link {
            // The client sends: to $cbs, $management, a hub or a partition.
            LinkEndpoint::Receiver(receiver) => {
                tokio::spawn(inbound(
                    receiver,
                    target,
                    Arc::clone(&state),
                    Arc::clone(&conn),
                ));
            }
            // The client receives: replies, or a partition.
            LinkEndpoint::Sender(sender) => {
                if source.starts_with('$')
                    || source.ends_with("$management")
                    || source.ends_with("$cbs")
                {
                    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                    let mut routes = lock(&conn.replies);
                    routes.insert(target.clone(), tx.clone());
                    routes.insert(source.clone(), tx);
                    drop(routes);
                    tokio::spawn(replies(sender, rx));
                } else {
                    lock(&state.seen)
                        .receive_links
                        .push((source.clone(), filter.clone()));
                    tokio::spawn(outbound(
                        sender,
                        source,
                        filter,
                        Arc::clone(&state),
                        Arc::clone(&conn),
                    ));
                }
            }
        }
    }
}

async fn replies(
    mut sender: Sender,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Message<Body<Value>>>,
) {
    while let Some(message) = rx.recv().await {
        if sender.send(message).await.is_err() {
            break;
        }
    }
    let _ = sender.detach().await;
}

fn app_prop(message: &Message<Body<Value>>, name: &str) -> Option<String> {
    match message.application_properties.as_ref()?.0.get(name)? {
        SimpleValue::String(s) => Some(s.clone()),
        SimpleValue::Symbol(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

fn reply(
    request: &Message<Body<Value>>,
    status: i32,
    description: &str,
    body: Value,
) -> Message<Body<Value>> {
    let correlation = request
        .properties
        .as_ref()
        .and_then(|p| p.message_id.clone());
    Message {
        header: None,
        delivery_annotations: None,
        message_annotations: None,
        properties: Some(Properties {
            correlation_id: correlation,
            ..Properties::default()
        }),
        application_properties: Some(
            ApplicationProperties::builder()
                .insert("status-code", status)
                .insert("statusCode", status)
                .insert("status-description", description)
                .insert("statusDescription", description)
                .build(),
        ),
        body: Body::Value(fe2o3_amqp::types::messaging::AmqpValue(body)),
        footer: None,
    }
}

/// Checks a SAS token: the double's key name, a signature made with its key, not expired.
/// Its expiry when good.
fn check_token(state: &State, token: &str) -> Option<u64> {
    let fields: HashMap<&str, &str> = token
        .strip_prefix("SharedAccessSignature ")?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let sr = fields.get("sr")?;
    let se: u64 = fields.get("se")?.parse().ok()?;
    let sig = percent_encoding::percent_decode_str(fields.get("sig")?)
        .decode_utf8()
        .ok()?;
    if fields.get("skn") != Some(&KEY_NAME) || se <= now_ms() as u64 / 1000 {
        return None;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(state.key.as_bytes()).ok()?;
    mac.update(format!("{sr}\n{se}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (expected == sig).then_some(se)
}

fn token_of(message: &Message<Body<Value>>) -> Option<String> {
    match &message.body {
        Body::Value(v) => match &v.0 {
            Value::String(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = OrderedMap::new();
    for (k, v) in entries {
        m.insert(Value::String(k.to_owned()), v);
    }
    Value::Map(m)
}

fn answer(
    state: &State,
    conn: &Connection,
    node: &str,
    request: &Message<Body<Value>>,
) -> Message<Body<Value>> {
    if node.ends_with("$cbs") {
        let audience = app_prop(request, "name").unwrap_or_default();
        if app_prop(request, "type").as_deref() == Some("jwt") {
            let good =
                token_of(request).is_some_and(|t| lock(&state.jwt).as_deref() == Some(t.as_str()));
            let mut seen = lock(&state.seen);
            return if good && app_prop(request, "operation").as_deref() == Some("put-token") {
                seen.tokens_accepted += 1;
                seen.jwt_accepted += 1;
                lock(&conn.tokens).insert(audience, now_ms() as u64 / 1000 + 3600);
                reply(request, 202, "Accepted", Value::Null)
            } else {
                seen.tokens_refused += 1;
                reply(request, 401, "the access token is not valid", Value::Null)
            };
        }
        return match token_of(request).and_then(|t| check_token(state, &t)) {
            Some(expires) if app_prop(request, "operation").as_deref() == Some("put-token") => {
                lock(&conn.tokens).insert(audience, expires);
                lock(&state.seen).tokens_accepted += 1;
                reply(request, 202, "Accepted", Value::Null)
            }
            _ => {
                lock(&state.seen).tokens_refused += 1;
                reply(request, 401, "the token is not valid", Value::Null)
            }
        };
    }
    // $management
    lock(&state.seen).management_reads += 1;
    let hub_name = app_prop(request, "name").unwrap_or_default();
    let jwt = lock(&state.jwt).clone();
    let token_ok = app_prop(request, "security_token")
        .is_some_and(|t| check_token(state, &t).is_some() || jwt.as_deref() == Some(t.as_str()))
        || conn.authorised(&hub_name);
    if !token_ok {
        return reply(request, 401, "unauthorized", Value::Null);
    }
    if app_prop(request, "operation").as_deref() != Some("READ") {
        return reply(request, 400, "unknown operation", Value::Null);
    }
    let hubs = lock(&state.hubs);
    let Some(hub) = hubs.get(&hub_name) else {
        return reply(request, 404, "no such hub", Value::Null);
    };
    match app_prop(request, "type").as_deref() {
        Some("com.microsoft:eventhub") => {
            let ids: Vec<String> = (0..hub.partitions.len()).map(|p| p.to_string()).collect();
            reply(
                request,
                200,
                "OK",
                map(vec![
                    ("name", Value::String(hub_name.clone())),
                    ("type", Value::String("com.microsoft:eventhub".to_owned())),
                    (
                        "created_at",
                        Value::Timestamp(Timestamp::from_milliseconds(0)),
                    ),
                    ("partition_count", Value::Int(hub.partitions.len() as i32)),
                    (
                        "partition_ids",
                        Value::Array(Array::from(
                            ids.into_iter().map(Value::String).collect::<Vec<_>>(),
                        )),
                    ),
                ]),
            )
        }
        Some("com.microsoft:partition") => {
            let id = app_prop(request, "partition").unwrap_or_default();
            let Some(partition) = id.parse::<usize>().ok().and_then(|p| hub.partitions.get(p))
            else {
                return reply(request, 404, "no such partition", Value::Null);
            };
            let last = partition.last();
            reply(
                request,
                200,
                "OK",
                map(vec![
                    ("name", Value::String(hub_name.clone())),
                    ("type", Value::String("com.microsoft:partition".to_owned())),
                    ("partition", Value::String(id.clone())),
                    ("begin_sequence_number", Value::Long(0)),
                    (
                        "last_enqueued_sequence_number",
                        Value::Long(last.map(|s| s.sequence).unwrap_or(-1)),
                    ),
                    (
                        "last_enqueued_offset",
                        Value::String(
                            last.map(|s| s.sequence.to_string())
                                .unwrap_or_else(|| "-1".to_owned()),
                        ),
                    ),
                    (
                        "last_enqueued_time_utc",
                        Value::Timestamp(Timestamp::from_milliseconds(now_ms())),
                    ),
                    ("is_partition_empty", Value::Bool(partition.is_empty())),
                ]),
            )
        }
        _ => reply(request, 400, "unknown type", Value::Null),
    }
}

/// Stores `message` in `hub` (in `partition`, or by its partition key, or round robin).
fn store(
    state: &State,
    hub: &str,
    partition: Option<usize>,
    mut message: Message<Body<Value>>,
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
    });
    drop(hubs);
    state.stored.send_modify(|n| *n += 1);
    Some((p, sequence))
}

/// `hub`, `hub/Partitions/n` → (hub, partition).
fn send_address(path: &str) -> (String, Option<usize>) {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [hub, p, n] if p.eq_ignore_ascii_case("partitions") => ((*hub).to_owned(), n.parse().ok()),
        _ => (path.to_owned(), None),
    }
}

/// Messages the client sends: requests to `$cbs` / `$management`, events to a hub.
async fn inbound(mut receiver: Receiver, target: String, state: Arc<State>, conn: Arc<Connection>) {
    let node =
        target.starts_with('$') || target.ends_with("$cbs") || target.ends_with("$management");
    loop {
        let Ok(delivery) = receiver.recv::<Body<Value>>().await else {
            break;
        };
        let format = delivery.message_format().unwrap_or(0);
        if node {
            let _ = receiver.accept(&delivery).await;
            let request = delivery.into_message();
            let answer = answer(&state, &conn, &target, &request);
            let reply_to = request.properties.as_ref().and_then(|p| p.reply_to.clone());
            let routes = lock(&conn.replies);
            let route = reply_to
                .as_deref()
                .map(path_of)
                .and_then(|r| routes.get(&r))
                .or_else(|| routes.get(&target));
            if let Some(route) = route {
                let _ = route.send(answer);
            }
            continue;
        }
        let (hub, partition) = send_address(&target);
        if !conn.authorised(&target) {
            let _ = receiver
                .reject(
                    &delivery,
                    AmqpErr::new(
                        AmqpError::UnauthorizedAccess,
                        Some("no valid token for this hub".to_owned()),
                        None,
                    ),
                )
                .await;
            continue;
        }
        let message = delivery.message().clone();
        let messages = if format == BATCH_FORMAT {
            match &message.body {
                Body::Data(sections) => sections
                    .iter()
                    .filter_map(|d| {
                        serde_amqp::from_slice::<
                            fe2o3_amqp::types::messaging::message::__private::Deserializable<
                                Message<Body<Value>>,
                            >,
                        >(&d.0)
                        .ok()
                        .map(|m| m.0)
                    })
                    .collect(),
                _ => Vec::new(),
            }
        } else {
            vec![message]
        };
        let mut ok = !messages.is_empty();
        for m in messages {
            ok &= store(&state, &hub, partition, m).is_some();
        }
        if ok {
            let _ = receiver.accept(&delivery).await;
        } else {
            let _ = receiver
                .reject(
                    &delivery,
                    AmqpErr::new(
                        AmqpError::NotFound,
                        Some(format!("no hub or partition {target}")),
                        None,
                    ),
                )
                .await;
        }
    }
    let _ = receiver.detach().await;
}

/// Where a selector filter starts: the index of the first message it lets through.
fn start_of(filter: &str, messages: usize) -> usize {
    let inclusive = filter.contains(">=");
    let value = filter
        .rsplit(['>', '='])
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('\'')
        .to_owned();
    if value == "@latest" {
        return messages;
    }
    match value.parse::<i64>() {
        Ok(n) if n < 0 => 0,
        Ok(n) => usize::try_from(if inclusive { n } else { n + 1 }).unwrap_or(0),
        Err(_) => 0,
    }
}

/// A partition streamed to a receiving client from its filter on.
async fn outbound(
    mut sender: Sender,
    source: String,
    filter: String,
    state: Arc<State>,
    conn: Arc<Connection>,
) {
    let parts: Vec<&str> = source.split('/').collect();
    let (hub, partition) = match parts.as_slice() {
        [hub, cg, _, p, n]
            if cg.eq_ignore_ascii_case("consumergroups")
                && p.eq_ignore_ascii_case("partitions") =>
        {
            ((*hub).to_owned(), n.parse::<usize>().ok())
        }
        _ => (source.clone(), None),
    };
    let exists = partition.is_some_and(|p| {
        lock(&state.hubs)
            .get(&hub)
            .is_some_and(|h| p < h.partitions.len())
    });
    let Some(partition) = partition.filter(|_| exists) else {
        let _ = sender
            .close_with_error(AmqpErr::new(
                AmqpError::NotFound,
                Some(format!("no partition at {source}")),
                None,
            ))
            .await;
        return;
    };
    let mut changes = state.stored.subscribe();
    let mut next = {
        let hubs = lock(&state.hubs);
        let count = hubs
            .get(&hub)
            .map(|h| h.partitions[partition].len())
            .unwrap_or(0);
        start_of(&filter, count)
    };
    loop {
        if !conn.authorised(&source) {
            let _ = sender
                .close_with_error(AmqpErr::new(
                    AmqpError::UnauthorizedAccess,
                    Some("the token expired".to_owned()),
                    None,
                ))
                .await;
            return;
        }
        let item = lock(&state.hubs)
            .get(&hub)
            .and_then(|h| h.partitions[partition].get(next).cloned());
        match item {
            Some(stored) => {
                if sender.send_batchable(stored.message).await.is_err() {
                    return;
                }
                next += 1;
            }
            None => {
                let _ =
                    tokio::time::timeout(std::time::Duration::from_millis(500), changes.changed())
                        .await;
            }
        }
    }
}
