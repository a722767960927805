//! Event triggers and completion events (`[events]`): where requests come from besides REST
//! (`events.source`), where a completion event goes for every finished request
//! (`events.sink`), and who event-triggered requests run as (`events.caller`).

use serde::{Deserialize, Serialize};

use super::{Secret, StorageSettings};

/// Which broker a source or sink speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Nothing (the default): no event source, no completion events.
    #[default]
    None,
    /// An AMQP 1.0 queue broker (RabbitMQ with rabbitmq_amqp1_0, Azure Service Bus, ActiveMQ
    /// Artemis): messages are accepted, released or rejected.
    Amqp,
    /// Azure Event Hubs (AMQP 1.0, a partitioned log): a consumer group, partitions read in
    /// order and checkpointed, balanced across replicas; events sent with the request id as
    /// partition key.
    #[serde(rename = "eventhubs")]
    EventHubs,
}

/// Event Hubs connection settings (`kind = "eventhubs"`), the same keys in `events.source`
/// and `events.sink`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHubsEndpoint {
    /// `Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=...;
    /// SharedAccessKey=...;EntityPath=HUB` (`;UseDevelopmentEmulator=true` for plain AMQP to
    /// a local emulator).
    pub connection_string: Option<Secret>,
    /// Without a connection string: Microsoft Entra workload identity (`AZURE_CLIENT_ID`,
    /// `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`) to this namespace
    /// (`NAMESPACE.servicebus.windows.net`, or an `amqp[s]://HOST:PORT` URL), the hub in
    /// `address`.
    pub namespace: Option<String>,
    /// The event hub when the connection string has no `EntityPath`.
    pub address: String,
    pub connect_timeout_secs: f64,
    /// Lifetime of each SAS token put on `$cbs`; renewed at four fifths of it.
    pub token_ttl_secs: u64,
}

/// An AMQP 1.0 endpoint: the broker's URL, the node (queue) address and SASL PLAIN
/// credentials (the same keys in `events.source` and `events.sink`).
#[derive(Debug, Clone, PartialEq)]
pub struct AmqpEndpoint {
    /// `amqp://host:5672` or `amqps://host:5671` (TLS, OpenSSL). Credentials go in
    /// `username`/`password`, not in the URL.
    pub url: String,
    /// The node: `/queue/NAME` on RabbitMQ (created when missing), a queue or topic name
    /// elsewhere.
    pub address: String,
    /// SASL PLAIN user; none: SASL ANONYMOUS.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Give up connecting (and retry later) after this long.
    pub connect_timeout_secs: f64,
}

const LOCAL_URL: &str = "amqp://127.0.0.1:5672";

/// Where event-triggered requests come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSourceSettings {
    pub kind: EventKind,
    /// `amqp://host:5672` or `amqps://host:5671` (TLS, OpenSSL). Credentials go in
    /// `username`/`password`, not in the URL.
    pub url: String,
    /// The node: `/queue/NAME` on RabbitMQ (created when missing), a queue or topic name
    /// elsewhere.
    pub address: String,
    /// SASL PLAIN user; none: SASL ANONYMOUS.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Give up connecting (and retry later) after this long.
    pub connect_timeout_secs: f64,
    /// Messages in flight at once (the link credit): received and not yet settled.
    pub max_in_flight: u32,
    /// A message body larger than this is rejected as malformed.
    pub max_message_bytes: usize,
    /// Tries of a request that meets a transient failure (busy, over the caller's limits,
    /// shutting down, history database down) before its message is released for
    /// redelivery.
    pub max_attempts: u32,
    /// The first wait between tries; doubled each time.
    pub retry_backoff_ms: u64,
    /// `eventhubs`: the connection string (a secret; see [`EventHubsEndpoint`]).
    pub connection_string: Option<Secret>,
    /// `eventhubs` without a connection string: the namespace reached with Microsoft Entra
    /// workload identity (see [`EventHubsEndpoint`]).
    pub namespace: Option<String>,
    /// `eventhubs`: the consumer group read.
    pub consumer_group: String,
    /// `eventhubs`: where checkpoints and partition ownership records are kept (the storage
    /// layer: a local folder in development, Azure Blob in Azure).
    pub checkpoint_store: StorageSettings,
    /// `eventhubs`: a replica that has not renewed its ownership records for this long is
    /// taken as dead and its partitions are claimed by the others (1 s to 1 h).
    pub ownership_expiry_secs: f64,
    /// `eventhubs`: how often ownership is renewed and partitions are rebalanced (at most a
    /// quarter of `ownership_expiry_secs`).
    pub balance_interval_secs: f64,
    /// `eventhubs`: how often a partition's checkpoint is written while messages are done.
    pub checkpoint_interval_ms: u64,
    /// `eventhubs`: lifetime of each SAS token put on `$cbs`; renewed at four fifths of it
    /// (2 s to a day).
    pub token_ttl_secs: u64,
}

impl Default for EventSourceSettings {
    fn default() -> Self {
        Self {
            kind: EventKind::None,
            url: LOCAL_URL.to_owned(),
            address: "/queue/pyexec-requests".to_owned(),
            username: None,
            password: None,
            connect_timeout_secs: 10.0,
            max_in_flight: 64,
            max_message_bytes: 1 << 20,
            max_attempts: 4,
            retry_backoff_ms: 100,
            connection_string: None,
            namespace: None,
            consumer_group: "$Default".to_owned(),
            checkpoint_store: StorageSettings {
                root: "pyexec-eventhubs-checkpoints".to_owned(),
                ..StorageSettings::default()
            },
            ownership_expiry_secs: 30.0,
            balance_interval_secs: 5.0,
            checkpoint_interval_ms: 1000,
            token_ttl_secs: 3600,
        }
    }
}

/// Where completion events go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSinkSettings {
    pub kind: EventKind,
    /// `amqp://host:5672` or `amqps://host:5671` (TLS, OpenSSL). Credentials go in
    /// `username`/`password`, not in the URL.
    pub url: String,
    /// The node: `/queue/NAME` on RabbitMQ (created when missing), a queue or topic name
    /// elsewhere.
    pub address: String,
    /// SASL PLAIN user; none: SASL ANONYMOUS.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Give up connecting (and retry later) after this long.
    pub connect_timeout_secs: f64,
    /// Events waiting to be published; past this, events are dropped and counted
    /// (`pyexec_events_publish_dropped_total`): the request path never waits.
    pub queue_capacity: usize,
    /// Most events sent before waiting for the broker's outcomes.
    pub max_batch: usize,
    /// Tries of one event before it is dropped and counted (`pyexec_events_publish_failures_total`).
    pub max_attempts: u32,
    pub retry_backoff_ms: u64,
    /// `eventhubs`: the connection string (a secret; see [`EventHubsEndpoint`]).
    pub connection_string: Option<Secret>,
    /// `eventhubs` without a connection string: the namespace reached with Microsoft Entra
    /// workload identity (see [`EventHubsEndpoint`]).
    pub namespace: Option<String>,
    /// `eventhubs`: lifetime of each SAS token put on `$cbs`; renewed at four fifths of it.
    pub token_ttl_secs: u64,
}

impl Default for EventSinkSettings {
    fn default() -> Self {
        Self {
            kind: EventKind::None,
            url: LOCAL_URL.to_owned(),
            address: "/queue/pyexec-completions".to_owned(),
            username: None,
            password: None,
            connect_timeout_secs: 10.0,
            queue_capacity: 10_000,
            max_batch: 256,
            max_attempts: 8,
            retry_backoff_ms: 200,
            connection_string: None,
            namespace: None,
            token_ttl_secs: 3600,
        }
    }
}

/// `[events]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsSettings {
    /// One setting for local development: an AMQP source and sink on the RabbitMQ of this
    /// machine (`amqp://127.0.0.1:5672`, guest/guest, `/queue/pyexec-requests` in,
    /// `/queue/pyexec-completions` out) where `source.kind`/`sink.kind` are not set.
    pub local: bool,
    /// The caller event-triggered requests run as: admitted, limited and recorded as this
    /// identity, like any API caller (`event:<name>`).
    pub caller: String,
    /// Its per-caller cap on concurrent executions (0: the executor's default).
    pub caller_max_concurrent: usize,
    /// Plain `amqp://` to a host that is not loopback (a local emulator on another address):
    /// off, such a URL stops the start-up.
    pub allow_plaintext: bool,
    pub source: EventSourceSettings,
    pub sink: EventSinkSettings,
}

impl Default for EventsSettings {
    fn default() -> Self {
        Self {
            local: false,
            caller: "event:default".to_owned(),
            caller_max_concurrent: 0,
            allow_plaintext: false,
            source: EventSourceSettings::default(),
            sink: EventSinkSettings::default(),
        }
    }
}

impl EventsSettings {
    /// The settings with `local` applied: the local broker's source and sink where no kind
    /// is set.
    pub fn resolved(&self) -> Self {
        let mut settings = self.clone();
        if settings.local {
            for (kind, username, password) in [
                (
                    &mut settings.source.kind,
                    &mut settings.source.username,
                    &mut settings.source.password,
                ),
                (
                    &mut settings.sink.kind,
                    &mut settings.sink.username,
                    &mut settings.sink.password,
                ),
            ] {
                if *kind == EventKind::None {
                    *kind = EventKind::Amqp;
                    username.get_or_insert_with(|| "guest".to_owned());
                    password.get_or_insert_with(|| Secret::new("guest"));
                }
            }
        }
        settings
    }
}

impl EventSourceSettings {
    pub fn eventhubs(&self) -> EventHubsEndpoint {
        EventHubsEndpoint {
            connection_string: self.connection_string.clone(),
            namespace: self.namespace.clone(),
            address: self.address.clone(),
            connect_timeout_secs: self.connect_timeout_secs,
            token_ttl_secs: self.token_ttl_secs,
        }
    }

    pub fn endpoint(&self) -> AmqpEndpoint {
        AmqpEndpoint {
            url: self.url.clone(),
            address: self.address.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            connect_timeout_secs: self.connect_timeout_secs,
        }
    }
}

impl EventSinkSettings {
    pub fn eventhubs(&self) -> EventHubsEndpoint {
        EventHubsEndpoint {
            connection_string: self.connection_string.clone(),
            namespace: self.namespace.clone(),
            address: self.address.clone(),
            connect_timeout_secs: self.connect_timeout_secs,
            token_ttl_secs: self.token_ttl_secs,
        }
    }

    pub fn endpoint(&self) -> AmqpEndpoint {
        AmqpEndpoint {
            url: self.url.clone(),
            address: self.address.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            connect_timeout_secs: self.connect_timeout_secs,
        }
    }
}
