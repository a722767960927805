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
use fe2o3_amqp::types::primitives::Value;
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
        let mut backoff = Duration::from_millis(200);
        loop {
            if *stop.borrow() {
                return;
            }
            match self.session(&deliveries, &mut stop).await {
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
            backoff = (backoff * 2).min(Duration::from_secs(10));
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
                received = receiver.recv::<Body<Value>>(), if pending.len() < limit => {
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
        delivery: fe2o3_amqp::link::delivery::Delivery<Body<Value>>,
    ) -> (Incoming, DeliveryInfo, oneshot::Receiver<Settlement>) {
        let sequence = u64::from(*delivery.delivery_id());
        let (info, message) = delivery.into_parts();
        let redelivered = message
            .header
            .as_ref()
            .is_some_and(|h| !h.first_acquirer || h.delivery_count > 0);
        let properties = message.properties.as_ref();
        let message_id = properties
            .and_then(|p| p.message_id.as_ref())
            .and_then(id_text);
        let correlation_id = properties
            .and_then(|p| p.correlation_id.as_ref())
            .and_then(id_text);
        let traceparent = message.application_properties.as_ref().and_then(|props| {
            match props.0.get("traceparent") {
                Some(fe2o3_amqp::types::primitives::SimpleValue::String(s)) => Some(s.clone()),
                _ => None,
            }
        });
        let created_at = properties
            .and_then(|p| p.creation_time.as_ref())
            .map(|t| t.milliseconds());
        let body = body_bytes(message.body);
        let (tx, rx) = oneshot::channel();
        let incoming = Incoming {
            body,
            message_id,
            correlation_id,
            traceparent,
            created_at,
            position: Position {
                queue: self.endpoint.address.clone(),
                partition: None,
                sequence,
            },
            redelivered,
            settle: tx,
        };
        (incoming, info, rx)
    }
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
pub(super) fn body_bytes(body: Body<Value>) -> Result<Vec<u8>, String> {
    match body {
        Body::Data(sections) => Ok(sections.into_iter().flat_map(|d| d.0.into_vec()).collect()),
        Body::Value(value) => match value.0 {
            Value::String(s) => Ok(s.into_bytes()),
            Value::Binary(b) => Ok(b.into_vec()),
            other => Err(format!(
                "the body is an AMQP value of type {}; a request is JSON text (a data section or a string value)",
                value_kind(&other)
            )),
        },
        Body::Sequence(_) => Err("the body is an AMQP sequence; a request is JSON text".to_owned()),
        Body::Empty => Err("the message has no body".to_owned()),
    }
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Map(_) => "map",
        Value::List(_) => "list",
        Value::Array(_) => "array",
        Value::Symbol(_) => "symbol",
        _ => "number or other",
    }
}
