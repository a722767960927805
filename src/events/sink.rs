//! Completion events out: [`Publisher`] takes events from the request path without ever
//! making it wait (a bounded queue; a full one drops the event and counts it) and one task
//! publishes them in batches: up to `events.sink.max_batch` messages sent before their
//! outcomes are awaited together, each event retried with backoff up to
//! `events.sink.max_attempts` times (then counted as a failure and logged), the connection
//! opened again after a failure. [`publish_now`] publishes one event and waits for the
//! broker's outcome (`pyexec job-run`, which exits right after).
//!
//! On the wire (AMQP): the event's JSON in a data section, `content-type
//! application/json`, `message-id` = the event id, `correlation-id` = the request id, the
//! application properties `request_id`, `status` and `event_type = pyexec.completion`, the
//! message annotation `x-opt-partition-key` = the request id (Event Hubs' partition key),
//! durable.

use std::sync::Arc;
use std::time::Duration;

use fe2o3_amqp::link::SendError;
use fe2o3_amqp::types::messaging::{
    ApplicationProperties, Data, Header, Message, MessageAnnotations, Outcome, Properties,
};
use fe2o3_amqp::types::primitives::Binary;
use fe2o3_amqp::Sender;
use tokio::sync::mpsc;

use super::amqp::{connect, Link};
use super::eventhubs::Hub;
use super::ledger::{Ledger, Settled};
use super::EventsError;
use crate::config::{AmqpEndpoint, EventKind, EventSinkSettings};
use crate::metrics::Metrics;
use crate::models::{CompletionEvent, CompletionSink};

/// The request path's handle on the sink.
pub struct Publisher {
    queue: mpsc::Sender<(u64, CompletionEvent)>,
    /// Every event's ticket and how it ended.
    ledger: Arc<Ledger>,
    metrics: Option<Arc<Metrics>>,
    capacity: usize,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher").finish_non_exhaustive()
    }
}

impl CompletionSink for Publisher {
    fn publish(&self, event: CompletionEvent) {
        let ticket = self.ledger.issue();
        match self.queue.try_send((ticket, event)) {
            Ok(()) => {
                if let Some(metrics) = &self.metrics {
                    metrics.events_publish_queued(self.ledger.pending());
                }
            }
            Err(err) => {
                ended(&self.ledger, self.metrics.as_deref(), ticket, false);
                let (_, event) = match err {
                    mpsc::error::TrySendError::Full(e) | mpsc::error::TrySendError::Closed(e) => e,
                };
                if let Some(metrics) = &self.metrics {
                    metrics.event_publish_dropped();
                }
                tracing::error!(
                    request_id = %event.request_id,
                    status = event.status.as_str(),
                    capacity = self.capacity,
                    "completion-event queue full: this event is NOT published (counted in pyexec_events_publish_dropped_total)"
                );
            }
        }
    }
}

impl Publisher {
    /// Starts the publishing task for `settings` (kind `amqp`).
    pub fn start(
        settings: &EventSinkSettings,
        allow_plaintext: bool,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Arc<Self>, EventsError> {
        let target = Target::of(settings, allow_plaintext)?;
        let capacity = settings.queue_capacity.max(1);
        let (queue, rx) = mpsc::channel(capacity);
        let publisher = Arc::new(Self {
            queue,
            ledger: Arc::new(Ledger::default()),
            metrics,
            capacity,
        });
        let (url, address) = target.describe();
        let task = Task {
            target,
            allow_plaintext,
            max_batch: settings.max_batch.max(1),
            max_attempts: settings.max_attempts.max(1),
            backoff: Duration::from_millis(settings.retry_backoff_ms.max(1)),
            ledger: Arc::clone(&publisher.ledger),
            metrics: publisher.metrics.clone(),
        };
        tracing::info!(%url, %address, "completion events: publishing");
        tokio::spawn(task.run(rx));
        Ok(publisher)
    }

    /// Events queued or in the publisher's hands.
    pub fn queued(&self) -> usize {
        self.ledger.pending()
    }

    /// A mark: every event queued before this call has a ticket below it.
    pub fn mark(&self) -> u64 {
        self.ledger.mark()
    }

    /// Waits until every event queued before `mark` has ended (published or given up), or
    /// `within` runs out, and says whether one queued in `[since, mark)` was not published.
    /// Events queued after the mark never hold it up.
    pub async fn settled(&self, since: u64, mark: u64, within: Duration) -> Settled {
        self.ledger.settled(since, mark, within).await
    }

    /// Waits until every event queued so far is published (or given up), or `within` runs
    /// out (a stopping service, whose request paths are closed).
    pub async fn flush(&self, within: Duration) -> bool {
        let mark = self.mark();
        self.settled(mark, mark, within).await != Settled::Pending
    }
}

/// Records the end of one event (published or not) and the queue's depth.
fn ended(ledger: &Ledger, metrics: Option<&Metrics>, ticket: u64, published: bool) {
    let left = ledger.end(ticket, published);
    if let Some(metrics) = metrics {
        metrics.events_publish_queued(left);
    }
}

/// Where completion events go: an AMQP 1.0 node, or an event hub (sent to the hub itself:
/// the service places each event by its partition key, the request id).
#[derive(Debug, Clone)]
enum Target {
    Amqp(AmqpEndpoint),
    EventHubs(Hub),
}

impl Target {
    fn of(settings: &EventSinkSettings, allow_plaintext: bool) -> Result<Self, EventsError> {
        match settings.kind {
            EventKind::EventHubs => Ok(Target::EventHubs(Hub::resolve(
                &settings.eventhubs(),
                allow_plaintext,
            )?)),
            EventKind::Amqp | EventKind::None => {
                super::amqp::check_url(&settings.url, allow_plaintext)?;
                Ok(Target::Amqp(settings.endpoint()))
            }
        }
    }

    /// The URL and the address, for logs.
    fn describe(&self) -> (String, String) {
        match self {
            Target::Amqp(e) => (e.url.clone(), e.address.clone()),
            Target::EventHubs(hub) => (hub.url.clone(), hub.name.clone()),
        }
    }
}

struct Task {
    target: Target,
    allow_plaintext: bool,
    max_batch: usize,
    max_attempts: u32,
    backoff: Duration,
    ledger: Arc<Ledger>,
    metrics: Option<Arc<Metrics>>,
}

/// An event being published: (its ticket, attempts so far, the event).
type Attempt = (u64, u32, CompletionEvent);

/// An open sender link with its connection.
struct Open {
    link: Link,
    sender: Sender,
}

impl Task {
    async fn run(self, mut rx: mpsc::Receiver<(u64, CompletionEvent)>) {
        let mut open: Option<Open> = None;
        let mut batch: Vec<(u64, CompletionEvent)> = Vec::with_capacity(self.max_batch);
        loop {
            if rx.recv_many(&mut batch, self.max_batch).await == 0 {
                break;
            }
            let mut todo: Vec<Attempt> = batch.drain(..).map(|(t, e)| (t, 0, e)).collect();
            let mut delay = self.backoff;
            while !todo.is_empty() {
                let (sent, failed) = self.send_batch(&mut open, todo).await;
                if let Some(metrics) = &self.metrics {
                    metrics.events_published(sent.len());
                }
                for ticket in sent {
                    ended(&self.ledger, self.metrics.as_deref(), ticket, true);
                }
                todo = Vec::new();
                for ((ticket, attempts, event), why) in failed {
                    let attempts = attempts + 1;
                    if attempts >= self.max_attempts {
                        if let Some(metrics) = &self.metrics {
                            metrics.event_publish_failed();
                        }
                        tracing::error!(request_id = %event.request_id, event_id = %event.event_id, attempts, error = %why, "completion event NOT published: every attempt failed (counted in pyexec_events_publish_failures_total)");
                        ended(&self.ledger, self.metrics.as_deref(), ticket, false);
                    } else {
                        todo.push((ticket, attempts, event));
                    }
                }
                if !todo.is_empty() {
                    tracing::warn!(
                        events = todo.len(),
                        retry_in_ms = delay.as_millis() as u64,
                        "completion events not published yet; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
        if let Some(open) = open {
            let _ = tokio::time::timeout(Duration::from_secs(2), open.sender.detach()).await;
            open.link.close().await;
        }
    }

    /// Sends `events` (each unsettled, not waiting), then awaits their outcomes: the
    /// tickets the broker accepted, and the others with why.
    async fn send_batch(
        &self,
        open: &mut Option<Open>,
        events: Vec<Attempt>,
    ) -> (Vec<u64>, Vec<(Attempt, String)>) {
        if open.is_none() {
            match self.open().await {
                Ok(o) => *open = Some(o),
                Err(err) => {
                    let why = crate::telemetry::error_chain(&err);
                    return (
                        Vec::new(),
                        events.into_iter().map(|a| (a, why.clone())).collect(),
                    );
                }
            }
        }
        let Some(link) = open.as_mut() else {
            return (Vec::new(), Vec::new());
        };
        let mut futures = Vec::with_capacity(events.len());
        let mut failed = Vec::new();
        let mut broken = false;
        for attempt in events {
            if broken {
                failed.push((attempt, "the link failed".to_owned()));
                continue;
            }
            let message = match message_of(&attempt.2) {
                Ok(m) => m,
                Err(why) => {
                    failed.push((attempt, why));
                    continue;
                }
            };
            match link.sender.send_batchable(message).await {
                Ok(fut) => futures.push((attempt, fut)),
                Err(e) => {
                    broken = true;
                    failed.push((attempt, e.to_string()));
                }
            }
        }
        let mut sent = Vec::with_capacity(futures.len());
        for (attempt, fut) in futures {
            match fut.await {
                Ok(Outcome::Accepted(_)) => sent.push(attempt.0),
                Ok(other) => failed.push((attempt, format!("the broker answered {other:?}"))),
                Err(e) => {
                    if matches!(e, SendError::LinkStateError(_)) {
                        broken = true;
                    }
                    failed.push((attempt, e.to_string()));
                }
            }
        }
        if broken {
            if let Some(o) = open.take() {
                o.link.close().await;
            }
        }
        (sent, failed)
    }

    async fn open(&self) -> Result<Open, EventsError> {
        open_sender(&self.target, self.allow_plaintext).await
    }
}

async fn open_sender(target: &Target, allow_plaintext: bool) -> Result<Open, EventsError> {
    let (mut link, address) = match target {
        Target::Amqp(endpoint) => (
            connect(endpoint, allow_plaintext, "sink").await?,
            endpoint.address.clone(),
        ),
        Target::EventHubs(hub) => (
            super::eventhubs::connect(hub, "eventhubs-sink").await?,
            hub.name.clone(),
        ),
    };
    match Sender::attach(
        &mut link.session,
        format!("pyexec-sink-{}", uuid::Uuid::new_v4().simple()),
        address.as_str(),
    )
    .await
    {
        Ok(sender) => Ok(Open { link, sender }),
        Err(e) => {
            link.close().await;
            Err(EventsError::Link(Box::new(e)))
        }
    }
}

/// The AMQP message of `event` (see the module's documentation).
fn message_of(event: &CompletionEvent) -> Result<Message<Data>, String> {
    let json = serde_json::to_vec(event).map_err(|e| format!("cannot encode the event: {e}"))?;
    let properties = Properties {
        message_id: Some(event.event_id.clone().into()),
        correlation_id: Some(event.request_id.clone().into()),
        content_type: Some("application/json".into()),
        subject: Some("pyexec.completion".to_owned()),
        ..Properties::default()
    };
    let application = ApplicationProperties::builder()
        .insert("request_id", event.request_id.clone())
        .insert("status", event.status.as_str())
        .insert("event_type", "pyexec.completion")
        .build();
    let annotations = MessageAnnotations::builder()
        .insert("x-opt-partition-key", event.request_id.clone())
        .build();
    Ok(Message::builder()
        .header(Header {
            durable: true,
            ..Header::default()
        })
        .properties(properties)
        .application_properties(application)
        .message_annotations(annotations)
        .data(Binary::from(json))
        .build())
}

/// Publishes one event now and waits for the broker to accept it, retrying with backoff
/// until `within` runs out: for `pyexec job-run`, which exits once it has said its piece.
pub async fn publish_now(
    settings: &EventSinkSettings,
    allow_plaintext: bool,
    event: &CompletionEvent,
    within: Duration,
) -> Result<(), EventsError> {
    let deadline = tokio::time::Instant::now() + within;
    let mut delay = Duration::from_millis(settings.retry_backoff_ms.max(1));
    let target = Target::of(settings, allow_plaintext)?;
    loop {
        let attempt = async {
            let mut open = open_sender(&target, allow_plaintext).await?;
            let message = message_of(event).map_err(EventsError::Publish)?;
            let outcome = open.sender.send(message).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), open.sender.detach()).await;
            open.link.close().await;
            match outcome {
                Ok(Outcome::Accepted(_)) => Ok(()),
                Ok(other) => Err(EventsError::Publish(format!(
                    "the broker answered {other:?}"
                ))),
                Err(e) => Err(EventsError::Link(Box::new(e))),
            }
        };
        let err = match tokio::time::timeout_at(deadline, attempt).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(err)) => err,
            Err(_) => EventsError::Publish(format!("not accepted within {within:?}")),
        };
        if tokio::time::Instant::now() + delay >= deadline {
            return Err(err);
        }
        tracing::warn!(error = %crate::telemetry::error_chain(&err), retry_in_ms = delay.as_millis() as u64, "completion event not published yet; retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}
