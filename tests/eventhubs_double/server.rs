//! The double's AMQP side: SASL, sessions, and the links clients attach (requests to
//! `$cbs`/`$management` and their replies, events sent to a hub, partitions read).

use std::sync::Arc;

use fe2o3_amqp::types::messaging::AmqpValue;
use fe2o3_amqp::types::primitives::LazyValue;

use super::nodes::answer;
use super::*;

/// Every mechanism lets in: Event Hubs authorises with CBS tokens.
#[derive(Clone)]
pub(super) struct Sasl;

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
pub(super) struct Connection {
    /// Audience → expiry (seconds since the epoch).
    pub(super) tokens: Mutex<HashMap<String, u64>>,
    /// Reply address → the link that delivers replies there (and node → latest link).
    pub(super) replies:
        Mutex<HashMap<String, tokio::sync::mpsc::UnboundedSender<Message<Body<Value>>>>>,
}

impl Connection {
    /// Whether a live token covers `entity` (a hub, or a path under it): its audience is
    /// the namespace, the entity, or a path above it.
    pub(super) fn authorised(&self, entity: &str) -> bool {
        let now = now_ms() as u64 / 1000;
        let entity = entity.to_ascii_lowercase();
        lock(&self.tokens).iter().any(|(audience, expires)| {
            let scope = path_of(audience).to_ascii_lowercase();
            *expires > now
                && (scope.is_empty() || entity == scope || entity.starts_with(&format!("{scope}/")))
        })
    }
}

pub(super) async fn serve_connection(stream: tokio::net::TcpStream, state: Arc<State>) {
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
pub(super) fn path_of(address: &str) -> String {
    let rest = address
        .strip_prefix("amqps://")
        .or_else(|| address.strip_prefix("amqp://"))
        .or_else(|| address.strip_prefix("sb://"))
        .map(|r| r.split_once('/').map(|(_, p)| p).unwrap_or(""))
        .unwrap_or(address);
    rest.trim_matches('/').to_owned()
}

pub(super) fn address_of_source(attach: &fe2o3_amqp::types::performatives::Attach) -> String {
    attach
        .source
        .as_ref()
        .and_then(|s| s.address.clone())
        .unwrap_or_default()
}

pub(super) fn address_of_target(attach: &fe2o3_amqp::types::performatives::Attach) -> String {
    use fe2o3_amqp::types::messaging::TargetArchetype;
    match attach.target.as_deref() {
        Some(TargetArchetype::Target(t)) => t.address.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

pub(super) fn filter_of(attach: &fe2o3_amqp::types::performatives::Attach) -> String {
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

pub(super) async fn serve_session(
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

pub(super) async fn replies(
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

/// `hub`, `hub/Partitions/n` → (hub, partition).
pub(super) fn send_address(path: &str) -> (String, Option<usize>) {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [hub, p, n] if p.eq_ignore_ascii_case("partitions") => ((*hub).to_owned(), n.parse().ok()),
        _ => (path.to_owned(), None),
    }
}

/// Messages the client sends: requests to `$cbs` / `$management`, events to a hub.
pub(super) async fn inbound(
    mut receiver: Receiver,
    target: String,
    state: Arc<State>,
    conn: Arc<Connection>,
) {
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
            ok &= store(&state, &hub, partition, m, false).is_some();
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
pub(super) fn start_of(filter: &str, messages: usize) -> usize {
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
pub(super) async fn outbound(
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
                let sent = if stored.undecodable {
                    sender.send_batchable(cut_short(stored.message)).await
                } else {
                    sender.send_batchable(stored.message).await
                };
                if sent.is_err() {
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

/// `message` with an amqp-value body that announces a 4096-byte string (str32) and holds
/// one byte: the message's encoding is cut short inside its body section.
fn cut_short(message: Message<Body<Value>>) -> Message<Body<LazyValue>> {
    Message {
        header: message.header,
        delivery_annotations: message.delivery_annotations,
        message_annotations: message.message_annotations,
        properties: message.properties,
        application_properties: message.application_properties,
        body: Body::Value(AmqpValue(raw_value(vec![0xb1, 0, 0, 0x10, 0, b'{']))),
        footer: message.footer,
    }
}

/// A [`LazyValue`] of any bytes (written as they are): the only way to it is its
/// `Deserialize`, which takes the bytes from `visit_byte_buf`.
fn raw_value(bytes: Vec<u8>) -> LazyValue {
    struct Bytes(Vec<u8>);
    impl<'de> serde::Deserializer<'de> for Bytes {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            visitor.visit_byte_buf(self.0)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
            identifier ignored_any
        }
    }
    <LazyValue as serde::Deserialize>::deserialize(Bytes(bytes)).expect("any bytes")
}
