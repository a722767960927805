//! The `eventhubs` event source: an event processor that balances the hub's partitions
//! across the executor replicas of one consumer group and reads each partition it owns in
//! order ([`super::partition`]).
//!
//! Every `balance_interval` a replica: writes its heartbeat; renews each claim it holds
//! (the next ownership version, a conditional write: losing it means someone else took
//! the partition, and its reader stops); computes its fair share of the partitions among
//! the live replicas (sorted ids: the first `P mod N` get one more); gives up what it has
//! beyond its share (the reader is told to stop; once it has ended and written its
//! checkpoint, a later round writes the release, so the next owner starts where it ended;
//! meanwhile the claim is renewed like the others, and no round waits for a reader, so a
//! reader finishing a long request never holds up the renewal of the other partitions);
//! claims free partitions (never
//! claimed, released, or whose owner has not renewed for `ownership_expiry`) up to its
//! share; and starts a reader from the checkpoint for each claim without one.
//!
//! Never two readers at once: a reader stops (and writes no checkpoint) once its lease,
//! two thirds of `ownership_expiry` after the last renewal, has run out, while another
//! replica claims a partition only after the record is `ownership_expiry` old. A replica
//! that dies loses its partitions after `ownership_expiry` plus one `balance_interval`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::partition::{self, Ended, Reader};
use super::store::Store;
use super::{connect, management, Hub};
use crate::events::amqp::Link;
use crate::events::source::{EventSource, Incoming};
use crate::events::EventsError;

pub struct EventHubsSource {
    pub hub: Hub,
    pub consumer_group: String,
    pub store: Store,
    /// This replica's id in ownership records.
    pub replica: String,
    pub prefetch: u32,
    pub ownership_expiry: Duration,
    pub balance_interval: Duration,
    pub checkpoint_interval: Duration,
    pub retry_backoff: Duration,
    /// Drained before each checkpoint (see [`super::partition`]).
    pub publisher: Option<std::sync::Arc<crate::events::Publisher>>,
}

struct Held {
    version: u64,
    lease: watch::Sender<Instant>,
}

struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<Ended>,
    /// Told to stop to hand the partition over: released once the reader has ended.
    handing_over: bool,
}

/// What a replica holds on one connection.
#[derive(Default)]
struct State {
    held: BTreeMap<String, Held>,
    running: BTreeMap<String, Running>,
    /// Partitions read again only after this instant (after a transient failure).
    not_before: HashMap<String, Instant>,
}

impl EventSource for EventHubsSource {
    async fn run(self, deliveries: mpsc::Sender<Incoming>, mut stop: watch::Receiver<bool>) {
        let mut reconnect = crate::events::reconnect::Reconnect::default();
        loop {
            if *stop.borrow() {
                return;
            }
            let connected_at = std::time::Instant::now();
            let outcome = self.connected(&deliveries, &mut stop).await;
            let backoff = reconnect.after(connected_at.elapsed());
            match outcome {
                Ok(()) => return,
                Err(err) => tracing::warn!(
                    hub = %self.hub.name,
                    url = %self.hub.url,
                    error = %crate::telemetry::error_chain(&err),
                    retry_in_ms = backoff.as_millis() as u64,
                    "event hubs source: connection failed; reconnecting (partitions resume from their checkpoints)"
                ),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

impl State {
    /// The partitions held and not being handed over.
    fn kept(&self) -> impl DoubleEndedIterator<Item = &String> {
        self.held
            .keys()
            .filter(|p| !self.running.get(*p).is_some_and(|r| r.handing_over))
    }
}

impl EventHubsSource {
    fn expiry_ms(&self) -> i64 {
        i64::try_from(self.ownership_expiry.as_millis()).unwrap_or(i64::MAX)
    }

    fn lease_until(&self, renewed: Instant) -> Instant {
        renewed + self.ownership_expiry.mul_f64(2.0 / 3.0)
    }

    async fn connected(
        &self,
        deliveries: &mpsc::Sender<Incoming>,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), EventsError> {
        let mut link = connect(&self.hub, "eventhubs-source").await?;
        let partitions = match management::partition_ids(&mut link.session, &self.hub).await {
            Ok(p) => p,
            Err(err) => {
                link.close().await;
                return Err(err);
            }
        };
        tracing::info!(
            hub = %self.hub.name,
            consumer_group = %self.consumer_group,
            replica = %self.replica,
            partitions = ?partitions,
            "event hubs source: connected"
        );
        let mut state = State::default();
        let mut tick = tokio::time::interval(self.balance_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let result = loop {
            tokio::select! {
                _ = stop.changed() => break Ok(()),
                _ = tick.tick() => {
                    if let Err(err) = self.balance(&mut link, &partitions, &mut state, deliveries, stop).await {
                        break Err(err);
                    }
                }
            }
        };
        for (_, running) in std::mem::take(&mut state.running) {
            let _ = running.stop.send(true);
            let _ = running.task.await;
        }
        if result.is_ok() {
            // A clean stop, every checkpoint written: the others need not wait for the
            // claims to expire.
            for (partition, held) in &state.held {
                let _ = self.store.claim(partition, held.version + 1, "").await;
            }
        }
        link.close().await;
        result
    }

    async fn balance(
        &self,
        link: &mut Link,
        partitions: &[String],
        state: &mut State,
        deliveries: &mpsc::Sender<Incoming>,
        stop: &watch::Receiver<bool>,
    ) -> Result<(), EventsError> {
        self.reap(state).await?;
        if let Err(err) = self.store.heartbeat(&self.replica).await {
            tracing::warn!(error = %crate::telemetry::error_chain(&err), "event hubs source: heartbeat not written");
        }
        // Renew what is held.
        let held: Vec<String> = state.held.keys().cloned().collect();
        for partition in held {
            let Some(h) = state.held.get_mut(&partition) else {
                continue;
            };
            match self
                .store
                .claim(&partition, h.version + 1, &self.replica)
                .await
            {
                Ok(true) => {
                    h.version += 1;
                    let _ = h.lease.send(self.lease_until(Instant::now()));
                }
                Ok(false) => {
                    tracing::warn!(partition = %partition, replica = %self.replica, "event hubs source: ownership lost to another replica; partition stopped");
                    state.held.remove(&partition);
                    // Told to stop, not waited for (its lease runs out in any case); it is
                    // reaped once ended, and no new reader starts before.
                    if let Some(running) = state.running.get_mut(&partition) {
                        let _ = running.stop.send(true);
                        running.handing_over = false;
                    }
                }
                Err(err) => {
                    tracing::warn!(partition = %partition, error = %crate::telemetry::error_chain(&err), "event hubs source: ownership not renewed; the partition stops when its lease runs out");
                }
            }
        }
        // The fair share.
        let mut live = self
            .store
            .live_replicas(self.expiry_ms())
            .await
            .unwrap_or_default();
        if !live.contains(&self.replica) {
            live.push(self.replica.clone());
            live.sort();
        }
        let index = live.iter().position(|r| r == &self.replica).unwrap_or(0);
        let share =
            partitions.len() / live.len() + usize::from(index < partitions.len() % live.len());
        // Give up what is beyond it: a partition without a reader at once, one with a
        // reader once the reader has ended (see `reap`), never waiting for it here.
        while state.kept().count() > share {
            let Some(partition) = state.kept().next_back().cloned() else {
                break;
            };
            match state.running.get_mut(&partition) {
                Some(running) => {
                    let _ = running.stop.send(true);
                    running.handing_over = true;
                    tracing::info!(partition = %partition, replica = %self.replica, share, "event hubs source: handing partition over (rebalance); its reader is stopping");
                }
                None => self.release(state, &partition).await,
            }
        }
        // Claim free partitions up to it.
        if state.kept().count() < share {
            let now = crate::history::now_ms();
            for partition in partitions {
                if state.kept().count() >= share {
                    break;
                }
                if state.held.contains_key(partition) {
                    continue;
                }
                let (version, claim) = match self.store.claim_of(partition).await {
                    Ok(c) => c,
                    Err(err) => {
                        tracing::warn!(partition = %partition, error = %crate::telemetry::error_chain(&err), "event hubs source: ownership not readable");
                        continue;
                    }
                };
                let free = match &claim {
                    None => true,
                    Some(c) => {
                        c.owner.is_empty()
                            || c.owner == self.replica
                            || now - c.at_ms >= self.expiry_ms()
                    }
                };
                if !free {
                    continue;
                }
                match self
                    .store
                    .claim(partition, version + 1, &self.replica)
                    .await
                {
                    Ok(true) => {
                        let (lease, _) = watch::channel(self.lease_until(Instant::now()));
                        state.held.insert(
                            partition.clone(),
                            Held {
                                version: version + 1,
                                lease,
                            },
                        );
                        tracing::info!(
                            partition = %partition,
                            replica = %self.replica,
                            previous_owner = claim.as_ref().map(|c| c.owner.as_str()).unwrap_or(""),
                            share,
                            "event hubs source: partition claimed"
                        );
                    }
                    Ok(false) => {}
                    Err(err) => {
                        tracing::warn!(partition = %partition, error = %crate::telemetry::error_chain(&err), "event hubs source: claim not written")
                    }
                }
            }
        }
        // A reader for each claim without one.
        let now = Instant::now();
        let idle: Vec<String> = state
            .held
            .keys()
            .filter(|p| !state.running.contains_key(*p))
            .filter(|p| state.not_before.get(*p).is_none_or(|t| *t <= now))
            .cloned()
            .collect();
        for partition in idle {
            let Some(held) = state.held.get(&partition) else {
                continue;
            };
            if Instant::now() >= *held.lease.borrow() {
                continue;
            }
            let from = match self.store.checkpoint(&partition).await {
                Ok(c) => c,
                Err(err) => {
                    tracing::warn!(partition = %partition, error = %crate::telemetry::error_chain(&err), "event hubs source: checkpoint not readable; trying again");
                    continue;
                }
            };
            let receiver = partition::attach(
                &mut link.session,
                &self.hub,
                &self.consumer_group,
                &partition,
                from.as_ref(),
                self.prefetch,
            )
            .await?;
            let reader = Reader {
                hub: self.hub.name.clone(),
                partition: partition.clone(),
                store: self.store.clone(),
                owner: self.replica.clone(),
                checkpoint_interval: self.checkpoint_interval,
                lease: held.lease.subscribe(),
                from,
                publisher: self.publisher.clone(),
            };
            let (stop_tx, stop_rx) = watch::channel(*stop.borrow());
            let task = tokio::spawn(reader.run(receiver, deliveries.clone(), stop_rx));
            state.running.insert(
                partition,
                Running {
                    stop: stop_tx,
                    task,
                    handing_over: false,
                },
            );
        }
        Ok(())
    }

    /// Writes the release of `partition` (its reader ended, its checkpoint written): the
    /// others may claim it at once.
    async fn release(&self, state: &mut State, partition: &str) {
        if let Some(h) = state.held.remove(partition) {
            let released = self.store.claim(partition, h.version + 1, "").await;
            tracing::info!(partition = %partition, replica = %self.replica, released = ?released.ok(), "event hubs source: partition handed over (rebalance)");
        }
    }

    /// Takes the readers that ended, releasing the partitions being handed over: a failed
    /// link ends the connection.
    async fn reap(&self, state: &mut State) -> Result<(), EventsError> {
        let finished: Vec<String> = state
            .running
            .iter()
            .filter(|(_, r)| r.task.is_finished())
            .map(|(p, _)| p.clone())
            .collect();
        let mut failure = None;
        for partition in finished {
            let Some(running) = state.running.remove(&partition) else {
                continue;
            };
            let ended = futures_util::FutureExt::now_or_never(running.task)
                .map(|r| r.unwrap_or(Ended::Stopped))
                .unwrap_or(Ended::Stopped);
            if running.handing_over && !matches!(ended, Ended::Failed(_)) {
                self.release(state, &partition).await;
            }
            match ended {
                Ended::Stopped => {}
                Ended::Retry(why) => {
                    tracing::warn!(partition = %partition, error = %why, retry_in_ms = self.retry_backoff.as_millis() as u64, "event hubs source: partition paused; read again from its checkpoint");
                    state
                        .not_before
                        .insert(partition, Instant::now() + self.retry_backoff);
                }
                Ended::LeaseLost => {
                    tracing::warn!(partition = %partition, "event hubs source: lease ran out before renewal; partition stopped");
                }
                Ended::Failed(err) => failure = Some(err),
            }
        }
        match failure {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}
