//! Event triggers and completion events.
//!
//! - **Source** (`events.source`): requests arrive as messages (the `CodeExecutionRequest`
//!   JSON) and go through THE request path, [`crate::executor::Executor::submit`], as the
//!   configured events caller (`events.caller`), admitted fairly like any caller. A message
//!   is settled only once its request is recorded durably (a run's record written through,
//!   a heavy job recorded before its creation is answered): at least once, and never twice
//!   in effect, since a redelivered request id is answered from its record. See
//!   [`consumer`] for what is done, retried or rejected, and [`source`] for the trait a
//!   broker implements (a queue with settlement, or a partitioned log with checkpoints).
//! - **Sink** (`events.sink`): one completion event per finished request, from any path,
//!   through [`sink::Publisher`] (the [`crate::models::CompletionSink`] the executor and
//!   the job service are given); heavy jobs are announced by `pyexec job-run` itself
//!   ([`sink::publish_now`]), and by the executor for jobs that ended without doing so.
//!
//! Kinds: `amqp` (AMQP 1.0 queues through fe2o3-amqp: RabbitMQ with rabbitmq_amqp1_0, Azure
//! Service Bus, ActiveMQ Artemis) and `eventhubs` (Azure Event Hubs, a partitioned log:
//! [`eventhubs`]), behind the same source trait, consumer and publisher.

pub mod amqp;
mod amqp_source;
pub mod consumer;
pub mod eventhubs;
pub mod job_run;
pub mod ledger;
mod reconnect;
pub mod sink;
pub mod source;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{EventKind, EventsSettings};
use crate::executor::Executor;
use crate::metrics::Metrics;
use crate::models::{Caller, Scope};
pub use sink::Publisher;
use source::EventSource as _;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("invalid AMQP URL {url:?}: {why}")]
    Url { url: String, why: String },
    #[error("cannot connect to {url}")]
    Connect {
        url: String,
        #[source]
        source: BoxError,
    },
    #[error("the AMQP link failed")]
    Link(#[source] BoxError),
    #[error("completion event not published: {0}")]
    Publish(String),
    #[error("events.caller {0:?} must be `event:<name>` (letters, digits, - _ . :)")]
    Caller(String),
    #[error("invalid Event Hubs connection string: {0}")]
    ConnectionString(String),
    #[error("Microsoft Entra workload identity: {0}")]
    Entra(String),
    #[error("the {node} request failed: {why}")]
    Request { node: String, why: String },
    #[error("the Event Hubs checkpoint store (events.source.checkpoint_store)")]
    Storage(#[source] Box<crate::storage::StorageError>),
}

/// The caller event-triggered requests run as.
pub fn caller(settings: &EventsSettings) -> Result<Caller, EventsError> {
    let id = &settings.caller;
    let name = id.strip_prefix("event:").unwrap_or_default();
    if !crate::models::sane_request_id(name) {
        return Err(EventsError::Caller(id.clone()));
    }
    Ok(Caller {
        id: id.clone(),
        scopes: vec![Scope::Execute, Scope::JobsRead, Scope::JobsWrite],
        max_concurrent: (settings.caller_max_concurrent > 0)
            .then_some(settings.caller_max_concurrent),
        rate_per_sec: None,
        delegated: false,
    })
}

/// The completion-event publisher of `settings` (`None` with no sink configured).
pub fn publisher(
    settings: &EventsSettings,
    metrics: Option<Arc<Metrics>>,
) -> Result<Option<Arc<Publisher>>, EventsError> {
    let settings = settings.resolved();
    match settings.sink.kind {
        EventKind::None => Ok(None),
        EventKind::Amqp | EventKind::EventHubs => {
            Publisher::start(&settings.sink, settings.allow_plaintext, metrics).map(Some)
        }
    }
}

/// A running event source and its consumer.
pub struct Trigger {
    source: JoinHandle<()>,
    consumer: JoinHandle<()>,
}

impl Trigger {
    /// Waits for the source to have stopped (after `stop` turned true: in-flight messages
    /// settled or handed back) and the consumer's last requests to end.
    pub async fn finished(self, within: Duration) {
        let both = async {
            let _ = self.source.await;
            let _ = self.consumer.await;
        };
        if tokio::time::timeout(within, both).await.is_err() {
            tracing::warn!("event source: not stopped within the grace period; the broker delivers what was in flight again");
        }
    }
}

/// Starts consuming `settings.source` into `executor` (`None` with no source configured),
/// until `stop` turns true. `publisher`: the completion-event sink, which an `eventhubs`
/// partition drains before it checkpoints (see [`eventhubs::partition`]).
pub fn start_source(
    executor: Arc<dyn AsRef<Executor> + Send + Sync>,
    settings: &EventsSettings,
    metrics: Option<Arc<Metrics>>,
    publisher: Option<Arc<Publisher>>,
    stop: watch::Receiver<bool>,
) -> Result<Option<Trigger>, EventsError> {
    let settings = settings.resolved();
    let source = &settings.source;
    if source.kind == EventKind::None {
        return Ok(None);
    }
    let caller = caller(&settings)?;
    let hub = match source.kind {
        EventKind::EventHubs => Some(eventhubs::Hub::resolve(
            &source.eventhubs(),
            settings.allow_plaintext,
        )?),
        _ => {
            amqp::check_url(&source.url, settings.allow_plaintext)?;
            None
        }
    };
    let (tx, rx) = mpsc::channel(usize::try_from(source.max_in_flight.max(1)).unwrap_or(64));
    let consumer = consumer::Consumer {
        executor,
        caller,
        max_message_bytes: source.max_message_bytes,
        max_attempts: source.max_attempts,
        retry_backoff: Duration::from_millis(source.retry_backoff_ms.max(1)),
        metrics,
    };
    let source_task = match hub {
        Some(hub) => {
            let processor = eventhubs_source(source, hub, publisher)?;
            tracing::info!(caller = %settings.caller, url = %processor.hub.url, hub = %processor.hub.name, consumer_group = %processor.consumer_group, replica = %processor.replica, "event triggers on (event hubs)");
            tokio::spawn(processor.run(tx, stop))
        }
        None => {
            let amqp = amqp_source::AmqpSource {
                endpoint: source.endpoint(),
                allow_plaintext: settings.allow_plaintext,
                max_in_flight: source.max_in_flight,
            };
            tracing::info!(caller = %settings.caller, url = %source.url, address = %source.address, "event triggers on");
            tokio::spawn(amqp.run(tx, stop))
        }
    };
    Ok(Some(Trigger {
        source: source_task,
        consumer: tokio::spawn(consumer.run(rx)),
    }))
}

/// The Event Hubs processor of `source` (its checkpoint store opened).
fn eventhubs_source(
    source: &crate::config::EventSourceSettings,
    hub: eventhubs::Hub,
    publisher: Option<Arc<Publisher>>,
) -> Result<eventhubs::processor::EventHubsSource, EventsError> {
    let storage = crate::storage::Storage::from_settings(&source.checkpoint_store)
        .map_err(|e| EventsError::Storage(Box::new(e)))?;
    let store =
        eventhubs::store::Store::new(&storage, &hub.host, &hub.name, &source.consumer_group);
    let secs = |value: f64, default: f64| {
        Duration::try_from_secs_f64(value).unwrap_or(Duration::from_secs_f64(default))
    };
    // Between a second and an hour: a lease is timed from it (no overflow past that).
    let expiry = secs(source.ownership_expiry_secs, 30.0)
        .clamp(Duration::from_secs(1), Duration::from_secs(3600));
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "pyexec".to_owned());
    Ok(eventhubs::processor::EventHubsSource {
        hub,
        consumer_group: source.consumer_group.clone(),
        store,
        replica: format!("{host}-{}", uuid::Uuid::new_v4().simple()),
        prefetch: source.max_in_flight,
        ownership_expiry: expiry,
        balance_interval: secs(source.balance_interval_secs, 5.0)
            .clamp(Duration::from_millis(50), expiry / 4),
        checkpoint_interval: Duration::from_millis(source.checkpoint_interval_ms.max(10)),
        publisher,
        retry_backoff: Duration::from_millis(source.retry_backoff_ms.max(1))
            .max(Duration::from_millis(500)),
    })
}
