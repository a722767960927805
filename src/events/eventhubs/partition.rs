//! One partition read in order: a receiver link on
//! `<hub>/ConsumerGroups/<group>/Partitions/<id>` filtered to start after the checkpoint
//! (`amqp.annotation.x-opt-offset > '<offset>'`), messages handed to the consumer one at a
//! time, and the checkpoint moved past each message once the consumer says it is done
//! (its request recorded durably) or poison (logged and skipped). A message the AMQP
//! decoder refuses (a section or annotation that does not decode) is poison too: handed
//! to the consumer as malformed (logged at error with its partition, its delivery id and
//! the sequence number it follows, counted as rejected) and skipped, the link reading on.
//! Its offset cannot be read, so the checkpoint passes it with the next message done; a
//! restart before that reads it again, and skips it again. A transient failure
//! (`Retry`) stops the partition: the processor reads it again from the checkpoint after
//! a backoff. The checkpoint is written at most every `checkpoint_interval`, when the
//! partition stops, and never once the lease ran out (another replica may own it then).
//!
//! Before a checkpoint is written, the events of the messages it passes must be out: a
//! message's completion event is queued before the consumer settles it, so once every
//! event queued before the checkpoint's *mark* (taken just before it is written) has been
//! published, every message up to the checkpoint has its event out. Without that, a
//! replica killed between a checkpoint and the publishing of an event before it would lose
//! that event (the message is never read again). Events queued after the mark (other
//! partitions, REST, heavy jobs) never hold a checkpoint up. When they have not all ended
//! in time the checkpoint waits for the next tick; when one since the last checkpoint was
//! not published (a full queue dropped it, or every attempt failed), the partition is read
//! again from its last checkpoint (`Retry`): its messages are answered from their records
//! and their events published again.

use std::time::{Duration, Instant};

use fe2o3_amqp::link::receiver::CreditMode;
use fe2o3_amqp::link::RecvError;
use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::types::definitions::SenderSettleMode;
use fe2o3_amqp::types::messaging::annotations::OwnedKey;
use fe2o3_amqp::types::messaging::{Body, Source};
use fe2o3_amqp::types::primitives::{LazyValue, Symbol, Value};
use fe2o3_amqp::Receiver;
use serde_amqp::described::Described;
use serde_amqp::descriptor::Descriptor;
use tokio::sync::{mpsc, oneshot, watch};

use super::store::{Checkpoint, Store};
use super::Hub;
use crate::events::amqp_source::{incoming_of, incoming_undecodable, undecodable_why};
use crate::events::ledger::Settled;
use crate::events::source::{Incoming, Position, Settlement};
use crate::events::EventsError;

/// How long a checkpoint waits for the completion events before it to be published.
const PUBLISH_DRAIN: Duration = Duration::from_secs(5);

const SELECTOR_FILTER: &str = "apache.org:selector-filter:string";
/// The selector filter's descriptor code (0x0000468C:0x00000004).
const SELECTOR_CODE: u64 = 0x0000_468C_0000_0004;

/// How a partition's reading ended.
#[derive(Debug)]
pub(super) enum Ended {
    /// Told to stop (the replica stops, or gives the partition up).
    Stopped,
    /// A transient failure of a request: read again from the checkpoint later.
    Retry(String),
    /// The lease ran out before it was renewed: another replica may own it now.
    LeaseLost,
    /// The link failed.
    Failed(EventsError),
}

/// Attaches the partition's receiver after `from` (or from the start of the stream).
pub(super) async fn attach(
    session: &mut SessionHandle<()>,
    hub: &Hub,
    consumer_group: &str,
    partition: &str,
    from: Option<&Checkpoint>,
    prefetch: u32,
) -> Result<Receiver, EventsError> {
    let offset = from.map(|c| c.offset.as_str()).unwrap_or("-1");
    let selector = format!(
        "amqp.annotation.x-opt-offset > '{}'",
        offset.replace('\'', "")
    );
    let source = Source::builder()
        .address(hub.partition_address(consumer_group, partition))
        .add_to_filter(
            Symbol::from(SELECTOR_FILTER),
            Some(Described {
                descriptor: Descriptor::Code(SELECTOR_CODE),
                value: Value::String(selector),
            }),
        )
        .build();
    Receiver::builder()
        .name(format!(
            "pyexec-{}-{partition}-{}",
            hub.name,
            uuid::Uuid::new_v4().simple()
        ))
        .source(source)
        .target(format!("pyexec-{}", uuid::Uuid::new_v4().simple()))
        .sender_settle_mode(SenderSettleMode::Settled)
        .credit_mode(CreditMode::Auto(prefetch.max(1)))
        .attach(session)
        .await
        .map_err(|e| EventsError::Link(Box::new(e)))
}

pub(super) struct Reader {
    pub hub: String,
    pub partition: String,
    pub store: Store,
    pub owner: String,
    pub checkpoint_interval: Duration,
    /// Reading and checkpointing are allowed until this instant (renewed by the processor).
    pub lease: watch::Receiver<Instant>,
    /// Where it starts: the last checkpoint.
    pub from: Option<Checkpoint>,
    pub publisher: Option<std::sync::Arc<crate::events::Publisher>>,
}

impl Reader {
    pub async fn run(
        self,
        mut receiver: Receiver,
        deliveries: mpsc::Sender<Incoming>,
        mut stop: watch::Receiver<bool>,
    ) -> Ended {
        let mut last = self.from.clone();
        let mut written = self.from.as_ref().map(|c| c.sequence_number);
        // Completion events queued from here on may be of this partition's messages.
        let mut since = self.publisher.as_ref().map_or(0, |p| p.mark());
        let mut tick =
            tokio::time::interval(self.checkpoint_interval.max(Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tracing::info!(hub = %self.hub, partition = %self.partition, from_sequence = ?written, "event hubs: reading partition");
        let ended = loop {
            tokio::select! {
                biased;
                _ = stop.changed() => break Ended::Stopped,
                _ = tick.tick() => {
                    if let Err(ended) = self.flush(&last, &mut written, &mut since).await {
                        break ended;
                    }
                }
                got = receiver.recv::<Body<LazyValue>>() => {
                    // A log has no delivery count: any message may have been read before
                    // (by a replica that died, or before a rebalance, after its request
                    // was recorded and before its event left). Marked redelivered, a
                    // recorded request is answered from its record AND its completion
                    // event is published again (the same event, same event_id); a request
                    // never seen runs as usual.
                    let (incoming, position, rx) = match got {
                        Ok(delivery) => {
                            let _ = receiver.accept(&delivery).await;
                            let (incoming, position, rx) =
                                self.incoming(delivery.into_message(), true);
                            (incoming, Some(position), rx)
                        }
                        // The link reads on after a message it cannot decode.
                        Err(RecvError::MessageDecode(undecodable)) => {
                            let after = last.as_ref().map(|c| c.sequence_number);
                            let position = Position {
                                queue: self.hub.clone(),
                                partition: Some(self.partition.clone()),
                                // Event Hubs numbers a partition's messages one by one.
                                sequence: after.map_or(0, |n| u64::try_from(n + 1).unwrap_or(0)),
                            };
                            let why = format!(
                                "{} (delivery {}, after sequence number {})",
                                undecodable_why(&undecodable),
                                undecodable.info.delivery_id(),
                                after.map_or_else(|| "none".to_owned(), |n| n.to_string()),
                            );
                            // Settled by the sender already; accepted for the link credit.
                            let _ = receiver.accept(undecodable.info).await;
                            let (incoming, rx) = incoming_undecodable(why, position);
                            (incoming, None, rx)
                        }
                        Err(e) => break Ended::Failed(EventsError::Link(Box::new(e))),
                    };
                    if Instant::now() >= *self.lease.borrow() {
                        break Ended::LeaseLost;
                    }
                    if deliveries.send(incoming).await.is_err() {
                        break Ended::Stopped;
                    }
                    // One at a time, in order: the next message waits for this one.
                    match rx.await.unwrap_or(Settlement::Retry) {
                        // An undecodable message has no position to checkpoint: the next
                        // message done moves the checkpoint past it.
                        Settlement::Done | Settlement::Poison(_) => {
                            if let Some((offset, sequence_number)) = position {
                                last = Some(Checkpoint {
                                    offset,
                                    sequence_number,
                                    owner: self.owner.clone(),
                                    at_ms: crate::history::now_ms(),
                                });
                            }
                        }
                        Settlement::Retry => break Ended::Retry("a request met a transient failure".to_owned()),
                    }
                }
            }
        };
        if !matches!(ended, Ended::LeaseLost) {
            if let Err(lost) = self.flush(&last, &mut written, &mut since).await {
                let _ = tokio::time::timeout(Duration::from_secs(2), receiver.detach()).await;
                return lost;
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), receiver.detach()).await;
        ended
    }

    /// Writes the checkpoint if it moved, while the lease holds and once the completion
    /// events queued since the last one (`since`) are out.
    async fn flush(
        &self,
        last: &Option<Checkpoint>,
        written: &mut Option<i64>,
        since: &mut u64,
    ) -> Result<(), Ended> {
        let Some(checkpoint) = last else {
            return Ok(());
        };
        if *written == Some(checkpoint.sequence_number) {
            return Ok(());
        }
        let mut mark = *since;
        if let Some(publisher) = &self.publisher {
            mark = publisher.mark();
            match publisher.settled(*since, mark, PUBLISH_DRAIN).await {
                Settled::Published => {}
                Settled::Pending => {
                    tracing::info!(partition = %self.partition, queued = publisher.queued(), "event hubs: completion events still being published; checkpoint deferred");
                    return Ok(());
                }
                Settled::Lost => {
                    tracing::warn!(partition = %self.partition, sequence_number = checkpoint.sequence_number, "event hubs: a completion event queued since the last checkpoint was not published; reading the partition again from that checkpoint");
                    return Err(Ended::Retry(
                        "a completion event was not published".to_owned(),
                    ));
                }
            }
        }
        if Instant::now() >= *self.lease.borrow() {
            return Err(Ended::LeaseLost);
        }
        match self.store.set_checkpoint(&self.partition, checkpoint).await {
            Ok(()) => {
                *written = Some(checkpoint.sequence_number);
                *since = mark;
                tracing::debug!(partition = %self.partition, sequence_number = checkpoint.sequence_number, offset = %checkpoint.offset, "event hubs: checkpoint");
            }
            Err(err) => {
                // Kept in memory and tried again at the next tick: a crash meanwhile only
                // means more messages read again (answered from their records).
                tracing::warn!(partition = %self.partition, error = %crate::telemetry::error_chain(&err), "event hubs: checkpoint not written; trying again");
            }
        }
        Ok(())
    }

    /// The consumer's view of `message`, its (offset, sequence number), and where its
    /// settlement comes back.
    fn incoming(
        &self,
        message: fe2o3_amqp::types::messaging::Message<Body<LazyValue>>,
        redelivered: bool,
    ) -> (Incoming, (String, i64), oneshot::Receiver<Settlement>) {
        let annotation = |name: &str| {
            message
                .message_annotations
                .as_ref()
                .and_then(|a| a.0.get(&OwnedKey::Symbol(Symbol::from(name))))
                .cloned()
        };
        let sequence = match annotation("x-opt-sequence-number") {
            Some(Value::Long(n)) => n,
            Some(Value::Int(n)) => i64::from(n),
            Some(Value::Ulong(n)) => i64::try_from(n).unwrap_or(i64::MAX),
            _ => -1,
        };
        let offset = match annotation("x-opt-offset") {
            Some(Value::String(s)) => s,
            Some(Value::Long(n)) => n.to_string(),
            _ => sequence.to_string(),
        };
        let enqueued = match annotation("x-opt-enqueued-time") {
            Some(Value::Timestamp(t)) => Some(t.milliseconds()),
            _ => None,
        };
        let position = Position {
            queue: self.hub.clone(),
            partition: Some(self.partition.clone()),
            sequence: u64::try_from(sequence).unwrap_or(0),
        };
        let (incoming, rx) = incoming_of(message, position, redelivered, enqueued);
        (incoming, (offset, sequence), rx)
    }
}
