//! The `amqp` event source: one receiver link on an AMQP 1.0 queue, with link credit
//! `events.source.max_in_flight` refilled as messages are settled (fe2o3-amqp's auto credit),
//! so that at most that many are unsettled at once. Settlements come back from the workers
//! through each message's channel and are applied here, on the task that owns the link:
//! accept (done), release (redelivered; RabbitMQ 3.10 does not support `modify`), reject
//! (dead-lettered when the queue has a dead-letter exchange, else dropped). After a failure
//! the connection is closed (the broker then redelivers every unsettled message) and opened
//! again with backoff.

use std::time::Duration;

use fe2o3_amqp::link::delivery::DeliveryInfo;
use fe2o3_amqp::link::receiver::CreditMode;
use fe2o3_amqp::types::messaging::{Body, MessageId};
use fe2o3_amqp::types::primitives::LazyValue;
use fe2o3_amqp::Receiver;
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use tokio::sync::{mpsc, oneshot, watch};

use super::amqp::{connect, Link};
use super::source::{EventSource, Incoming, Position, Settlement};
use super::EventsError;
use crate::config::AmqpEndpoint;

/// How long in-flight messages get to settle once the source is told to stop.
const STOP_GRACE: Duration = Duration::from_secs(30);

pub struct AmqpSource {
    pub endpoint: AmqpEndpoint,
    pub allow_plaintext: bool,
    pub max_in_flight: u32,
}

type Pending = FuturesUnordered<
    std::pin::Pin<Box<dyn std::future::Future<Output = (DeliveryInfo, Settlement)> + Send>>,
>;

impl EventSource for AmqpSource {
    async fn run(self, deliveries: mpsc::Sender<Incoming>, mut stop: watch::Receiver<bool>) {
        let mut reconnect = crate::events::reconnect::Reconnect::default();
        loop {
            if *stop.borrow() {
                return;
            }
            let connected_at = std::time::Instant::now();
            let outcome = self.session(&deliveries, &mut stop).await;
            let backoff = reconnect.after(connected_at.elapsed());
            match outcome {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(
                        url = %self.endpoint.url,
                        address = %self.endpoint.address,
                        error = %crate::telemetry::error_chain(&err),
                        retry_in_ms = backoff.as_millis() as u64,
                        "event source: connection failed; unsettled messages go back to the queue; reconnecting"
                    );
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

impl AmqpSource {
    /// One connection's life: receive and settle until `stop` (Ok) or a failure (Err).
    async fn session(
        &self,
        deliveries: &mpsc::Sender<Incoming>,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), EventsError> {
        let mut link = connect(&self.endpoint, self.allow_plaintext, "source").await?;
        let attached = Receiver::builder()
            .name(format!("pyexec-source-{}", uuid::Uuid::new_v4().simple()))
            .source(self.endpoint.address.as_str())
            .credit_mode(CreditMode::Auto(self.max_in_flight.max(1)))
            .auto_accept(false)
            .attach(&mut link.session)
            .await;
        let mut receiver = match attached {
            Ok(receiver) => receiver,
            Err(e) => {
                link.close().await;
                return Err(EventsError::Link(Box::new(e)));
            }
        };
        tracing::info!(
            url = %self.endpoint.url,
            address = %self.endpoint.address,
            max_in_flight = self.max_in_flight,
            "event source: receiving"
        );
        let result = self.receive(&mut receiver, deliveries, stop).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), receiver.detach()).await;
        close(link).await;
        result
    }

    async fn receive(
        &self,
        receiver: &mut Receiver,
        deliveries: &mpsc::Sender<Incoming>,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), EventsError> {
        let mut pending: Pending = FuturesUnordered::new();
        let limit = usize::try_from(self.max_in_flight.max(1)).unwrap_or(usize::MAX);
        loop {
            tokio::select! {
                biased;
                _ = stop.changed() => break,
                Some((info, how)) = pending.next(), if !pending.is_empty() => {
                    settle(receiver, info, &how).await?;
                }
                received = receiver.recv::<Body<LazyValue>>(), if pending.len() < limit => {
                    let delivery = received.map_err(|e| EventsError::Link(Box::new(e)))?;
                    let (incoming, info, rx) = self.incoming(delivery);
                    pending.push(Box::pin(async move {
                        // A worker that went away without settling: deliver it again.
                        let how = rx.await.unwrap_or(Settlement::Retry);
                        (info, how)
                    }));
                    if deliveries.send(incoming).await.is_err() {
                        // The consumer is gone: stop receiving.
                        break;
                    }
                }
            }
        }
        // Stopping: what is in flight gets its settlement, within the grace period; the
        // rest goes back to the queue when the connection closes.
        let drain = async {
            while let Some((info, how)) = pending.next().await {
                settle(receiver, info, &how).await?;
            }
            Ok::<(), EventsError>(())
        };
        match tokio::time::timeout(STOP_GRACE, drain).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!("event source: in-flight messages not settled within the grace period; the broker delivers them again");
                Ok(())
            }
        }
    }

    fn incoming(
        &self,
        delivery: fe2o3_amqp::link::delivery::Delivery<Body<LazyValue>>,
    ) -> (Incoming, DeliveryInfo, oneshot::Receiver<Settlement>) {
        let sequence = u64::from(*delivery.delivery_id());
        let (info, message) = delivery.into_parts();
        let redelivered = message
            .header
            .as_ref()
            .is_some_and(|h| !h.first_acquirer || h.delivery_count > 0);
        let position = Position {
            queue: self.endpoint.address.clone(),
            partition: None,
            sequence,
        };
        let (incoming, rx) = incoming_of(message, position, redelivered, None);
        (incoming, info, rx)
    }
}

/// The consumer's view of an AMQP message (either kind of source): its body, its ids and
/// trace context from the properties, and when it was made (the creation time, else
/// `received_at`, e.g. a hub's enqueued time); and where its settlement comes back.
pub(super) fn incoming_of(
    message: fe2o3_amqp::types::messaging::Message<Body<LazyValue>>,
    position: Position,
    redelivered: bool,
    received_at: Option<i64>,
) -> (Incoming, oneshot::Receiver<Settlement>) {
    let properties = message.properties.as_ref();
    let message_id = properties
        .and_then(|p| p.message_id.as_ref())
        .and_then(id_text);
    let correlation_id = properties
        .and_then(|p| p.correlation_id.as_ref())
        .and_then(id_text);
    let created_at = properties
        .and_then(|p| p.creation_time.as_ref())
        .map(|t| t.milliseconds())
        .or(received_at);
    let traceparent = message.application_properties.as_ref().and_then(|props| {
        match props.0.get("traceparent") {
            Some(fe2o3_amqp::types::primitives::SimpleValue::String(s)) => Some(s.clone()),
            _ => None,
        }
    });
    let (tx, rx) = oneshot::channel();
    let incoming = Incoming {
        body: body_bytes(message.body),
        message_id,
        correlation_id,
        traceparent,
        created_at,
        position,
        redelivered,
        settle: tx,
    };
    (incoming, rx)
}

/// Why a message the AMQP decoder refused is malformed.
pub(super) fn undecodable_why(error: &fe2o3_amqp::link::MessageDecodeError) -> String {
    format!(
        "the message cannot be decoded as AMQP 1.0 ({})",
        error.source
    )
}

/// The consumer's view of a message the AMQP decoder refused: malformed (`why`), with no
/// body and no ids, at `position`; and where its settlement comes back.
pub(super) fn incoming_undecodable(
    why: String,
    position: Position,
) -> (Incoming, oneshot::Receiver<Settlement>) {
    let (tx, rx) = oneshot::channel();
    let incoming = Incoming {
        body: Err(why),
        message_id: None,
        correlation_id: None,
        traceparent: None,
        created_at: None,
        position,
        redelivered: false,
        settle: tx,
    };
    (incoming, rx)
}

async fn close(link: Link) {
    link.close().await;
}

async fn settle(
    receiver: &Receiver,
    info: DeliveryInfo,
    how: &Settlement,
) -> Result<(), EventsError> {
    let result = match how {
        Settlement::Done => receiver.accept(info).await,
        Settlement::Retry => receiver.release(info).await,
        Settlement::Poison(why) => {
            let error = fe2o3_amqp::types::definitions::Error::new(
                fe2o3_amqp::types::definitions::AmqpError::DecodeError,
                Some(why.chars().take(500).collect::<String>()),
                None,
            );
            receiver.reject(info, error).await
        }
    };
    result.map_err(|e| EventsError::Link(Box::new(e)))
}

pub(super) fn id_text(id: &MessageId) -> Option<String> {
    match id {
        MessageId::String(s) => Some(s.clone()),
        MessageId::Ulong(n) => Some(n.to_string()),
        MessageId::Uuid(u) => Some(uuid::Uuid::from_bytes(*u.as_inner()).to_string()),
        MessageId::Binary(b) => String::from_utf8(b.to_vec()).ok(),
    }
}

/// The body's bytes: data sections joined, or a string or binary value.
/// The request bytes of a message body: its data sections, or an AMQP string or binary
/// value. The body is received undecoded ([`LazyValue`]): a value is never built from what
/// a sender put there (no recursion into nested lists or maps, no UTF-8 check that could fail
/// the receive), only its string or binary bytes are taken by their format code; anything
/// else makes the message malformed.
pub(super) fn body_bytes(body: Body<LazyValue>) -> Result<Vec<u8>, String> {
    match body {
        Body::Data(sections) => Ok(sections.into_iter().flat_map(|d| d.0.into_vec()).collect()),
        Body::Value(value) => value_bytes(value.0.as_slice()),
        Body::Sequence(_) => Err("the body is an AMQP sequence; a request is JSON text".to_owned()),
        Body::Empty => Err("the message has no body".to_owned()),
    }
}

/// The bytes of an encoded AMQP string (str8/str32) or binary (vbin8/vbin32) value.
fn value_bytes(encoded: &[u8]) -> Result<Vec<u8>, String> {
    let Some((&code, rest)) = encoded.split_first() else {
        return Err("the message has no body".to_owned());
    };
    let (size, rest) = match code {
        // str8-utf8, vbin8: a one-byte size.
        0xa1 | 0xa0 => match rest.split_first() {
            Some((&n, rest)) => (usize::from(n), rest),
            None => return Err("the body's AMQP value is truncated".to_owned()),
        },
        // str32-utf8, vbin32: a four-byte size.
        0xb1 | 0xb0 => match rest.split_first_chunk::<4>() {
            Some((n, rest)) => (
                usize::try_from(u32::from_be_bytes(*n)).unwrap_or(usize::MAX),
                rest,
            ),
            None => return Err("the body's AMQP value is truncated".to_owned()),
        },
        0x40 => return Err("the body is an AMQP null; a request is JSON text".to_owned()),
        other => {
            return Err(format!(
                "the body is an AMQP value of type 0x{other:02x}; a request is JSON text (a data section or a string value)"
            ))
        }
    };
    rest.get(..size)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| "the body's AMQP value is truncated".to_owned())
}

#[cfg(test)]
mod tests {
    use super::value_bytes;

    #[test]
    fn strings_and_binaries_are_taken_by_their_format_code() {
        assert_eq!(value_bytes(b"\xa1\x03abc").as_deref(), Ok(&b"abc"[..]));
        assert_eq!(
            value_bytes(b"\xa0\x02\xff\x00").as_deref(),
            Ok(&b"\xff\x00"[..])
        );
        assert_eq!(
            value_bytes(b"\xb1\x00\x00\x00\x02{}").as_deref(),
            Ok(&b"{}"[..])
        );
        // Invalid UTF-8 in a string is passed on (the consumer says where it is), never a
        // failed receive.
        assert_eq!(
            value_bytes(b"\xa1\x02\xff\xfe").as_deref(),
            Ok(&b"\xff\xfe"[..])
        );
        assert!(value_bytes(b"\xa1\x05ab").is_err_and(|e| e.contains("truncated")));
        assert!(value_bytes(b"\xb1\x00\x00").is_err_and(|e| e.contains("truncated")));
        assert!(value_bytes(b"\x40").is_err_and(|e| e.contains("null")));
        assert!(value_bytes(b"").is_err_and(|e| e.contains("no body")));
    }

    #[test]
    fn a_deeply_nested_value_is_refused_without_being_built() {
        // list8 headers nested 300,000 deep: refused by its first byte, nothing recursed.
        let nested: Vec<u8> = std::iter::repeat_n([0xc0u8, 0xff, 0x01], 300_000)
            .flatten()
            .collect();
        assert!(value_bytes(&nested).is_err_and(|e| e.contains("0xc0")));
    }
}
