//! What an event source is, whatever the broker: it hands over messages, each with a way to
//! settle it, and keeps at most a bounded number unsettled. A queue (AMQP 1.0: accept,
//! release, reject) and a partitioned log (Event Hubs: checkpoint in order per partition,
//! re-read from the last checkpoint) both fit:
//!
//! | [`Settlement`] | queue (`amqp`)              | partitioned log (`eventhubs`)                 |
//! |----------------|-----------------------------|-----------------------------------------------|
//! | `Done`         | accept                      | checkpoint once every earlier one is done     |
//! | `Retry`        | release (redelivered)       | stop the partition, resume from the checkpoint |
//! | `Poison`       | reject (dead-letter)        | checkpoint past it (logged)                   |

use std::future::Future;

use tokio::sync::{mpsc, oneshot, watch};

/// How a message ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Its request is recorded (done, or a durable heavy job): never deliver it again.
    Done,
    /// A transient failure: deliver it again later.
    Retry,
    /// It can never be processed (malformed): dead-letter it, never block what follows.
    Poison(String),
}

impl Settlement {
    pub fn label(&self) -> &'static str {
        match self {
            Settlement::Done => "accepted",
            Settlement::Retry => "released",
            Settlement::Poison(_) => "rejected",
        }
    }
}

/// Where a message was: the queue (or hub and partition) and its delivery id (or sequence
/// number), for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub queue: String,
    pub partition: Option<String>,
    /// The delivery id (AMQP queue) or sequence number (partitioned log).
    pub sequence: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.partition {
            Some(p) => write!(
                f,
                "{} partition {} sequence {}",
                self.queue, p, self.sequence
            ),
            None => write!(f, "{} delivery {}", self.queue, self.sequence),
        }
    }
}

/// One message, as a source hands it over.
#[derive(Debug)]
pub struct Incoming {
    /// The body's bytes, or why there are none to read (a body of a kind no request comes
    /// in, such as an AMQP sequence).
    pub body: Result<Vec<u8>, String>,
    pub message_id: Option<String>,
    pub correlation_id: Option<String>,
    /// A `traceparent` application property, when the producer set one.
    pub traceparent: Option<String>,
    pub position: Position,
    /// When the producer made it (ms since the epoch), if it said so: the lag.
    pub created_at: Option<i64>,
    /// Delivered before (the broker says so): a first attempt may have recorded it.
    pub redelivered: bool,
    /// Send the settlement here; dropped unsent, the message is retried.
    pub settle: oneshot::Sender<Settlement>,
}

/// A broker's consumer: [`EventSource::run`] delivers messages into `deliveries` (at most
/// the source's own bound unsettled at once), applies each message's settlement, reconnects
/// after failures, and returns once `stop` turns true and what was in flight is settled (or
/// its grace ran out: the broker then delivers it again).
pub trait EventSource: Send + 'static {
    fn run(
        self,
        deliveries: mpsc::Sender<Incoming>,
        stop: watch::Receiver<bool>,
    ) -> impl Future<Output = ()> + Send;
}
