//! The run history: one record per request that reached the executor (REST, LLM queries,
//! event triggers, lightweight or heavy, run or refused), in SQLite (embedded default, WAL)
//! or PostgreSQL (`history.url`), through sqlx with embedded migrations.
//!
//! - Lightweight runs are recorded off the request's path: [`History::record`] puts the row
//!   on a bounded queue that one writer task empties in batches (one transaction each). A
//!   full queue drops the row, counts it (`pyexec_history_dropped_total`) and logs it. While
//!   the database is down the writer keeps its batch and retries with backoff.
//! - Heavy jobs are recorded before their creation is answered ([`History::record_job`]),
//!   and their progress as it happens ([`History::follow_job`]).
//! - Request ids are idempotent per caller: [`History::claim`] answers a resent request id
//!   from its record (or joins the run still in progress), and refuses a different program
//!   under a used id.
//! - Retention (days and rows) runs in the background; [`History::healthy`] feeds readiness.

mod record;
mod store;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch, Notify};

pub use record::{code_hash, hex, millis, now_ms, parse_time, sha256_hex, Received, Row};
use store::Store;
pub use store::{Filter, Kind};

use crate::config::HistorySettings;
use crate::metrics::Metrics;
use crate::models::JobRecord;

/// The most records one page of the query API returns.
pub const MAX_PAGE: usize = 500;

impl HistoryError {
    /// The database refused a statement for what it holds (a constraint, an encoding), as
    /// opposed to a connection or pool failure: retrying the same record cannot help.
    pub fn is_refused_data(&self) -> bool {
        let HistoryError::Database(sqlx::Error::Database(err)) = self else {
            return false;
        };
        let Some(code) = err.code() else {
            return false;
        };
        // PostgreSQL: SQLSTATE classes 22 (data exception: an encoding, a value out of
        // range) and 23 (integrity constraint). SQLite: the primary result codes TOOBIG,
        // CONSTRAINT, MISMATCH and RANGE. Anything else (busy, locked, a lost connection,
        // a shutdown) may pass.
        if code.starts_with("22") || code.starts_with("23") {
            return true;
        }
        code.parse::<i64>()
            .is_ok_and(|c| matches!(c & 0xff, 18 | 19 | 20 | 25))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("invalid history.url: {0}")]
    Url(String),
    #[error("the history database failed")]
    Database(#[source] sqlx::Error),
    #[error("the history database's schema could not be brought up to date")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("the history database did not answer within 3 s")]
    Timeout,
    #[error("the history database did not take the record in time")]
    WriteTimeout,
    #[error("a history record is unreadable: {0}")]
    Corrupt(String),
}

/// What a request id already stands for.
#[derive(Debug)]
pub enum Claim {
    /// Unused: run it; the guard marks the run in progress until it is dropped.
    New(ClaimGuard),
    /// Settled: answer from this record.
    Recorded(Box<Row>),
    /// Used for another program (different code, or a lightweight run and a heavy job).
    Conflict(String),
}

/// A request id in progress. Dropped without [`ClaimGuard::finish`] (the request failed or
/// its client left), the id is free again and whoever waited on it claims it anew.
#[derive(Debug)]
pub struct ClaimGuard {
    key: String,
    /// Which claim of the key this is: a later one is never removed by this one's drop.
    token: u64,
    history: Arc<Inner>,
    done: watch::Sender<Option<Arc<Row>>>,
}

impl ClaimGuard {
    /// The run's record: queued for writing, and handed to the requests that waited on it.
    pub fn finish(self, row: Row) {
        let row = Arc::new(row);
        self.history.enqueue(Arc::clone(&row));
        let _ = self.done.send(Some(row));
    }
}

impl ClaimGuard {
    /// The run's record, written through to the database before this returns (retried with
    /// backoff up to `within`), then handed to the requests that waited on it: for callers
    /// that must not acknowledge the request before its record is durable (event triggers).
    /// When the database does not take it in time, the row is queued as by
    /// [`ClaimGuard::finish`] (so a resend is still answered from it while this process
    /// lives) and the error is returned: the request is not durably recorded yet.
    pub async fn finish_durably(self, row: Row, within: Duration) -> Result<(), HistoryError> {
        let row = Arc::new(row);
        match self.history.write_through(&row, within).await {
            Ok(()) => {
                let _ = self.done.send(Some(row));
                Ok(())
            }
            Err(err) => {
                self.history.enqueue(Arc::clone(&row));
                let _ = self.done.send(Some(row));
                Err(err)
            }
        }
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if let Ok(mut keys) = self.history.keys.lock() {
            if matches!(keys.get(&self.key), Some(Entry::Running { token, .. }) if *token == self.token)
            {
                keys.remove(&self.key);
            }
        }
    }
}

/// A row to commit before its writer answers.
struct Durable {
    row: Arc<Row>,
    done: oneshot::Sender<Result<(), HistoryError>>,
}

/// A key the database may not have yet.
enum Entry {
    Running {
        token: u64,
        code_sha256: String,
        heavy: bool,
        done: watch::Receiver<Option<Arc<Row>>>,
    },
    /// Finished, queued, not yet written.
    Queued(Arc<Row>),
}

struct Inner {
    store: Store,
    settings: HistorySettings,
    queue: mpsc::Sender<Arc<Row>>,
    /// Rows someone waits on until they are committed ([`Inner::write_through`]).
    durable: mpsc::Sender<Durable>,
    /// Rows on the queue or in the writer's hands.
    pending: AtomicUsize,
    drained: Notify,
    keys: Mutex<HashMap<String, Entry>>,
    /// Numbers the claims ([`ClaimGuard`]).
    tokens: std::sync::atomic::AtomicU64,
    metrics: Option<Arc<Metrics>>,
    /// The last database error, while it lasts (readiness).
    failing: Mutex<Option<String>>,
    reachable: AtomicBool,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct History {
    inner: Arc<Inner>,
}

impl History {
    /// Opens the database at `url`, migrates it and starts the writer, the retention task
    /// and the health check.
    pub async fn open(
        url: &str,
        settings: &HistorySettings,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Self, HistoryError> {
        let store = Store::open(url, settings.max_connections).await?;
        let (queue, rx) = mpsc::channel(settings.queue_capacity.max(1));
        let (durable, durable_rx) = mpsc::channel(settings.batch_size.max(1));
        let inner = Arc::new(Inner {
            store,
            settings: settings.clone(),
            queue,
            durable,
            pending: AtomicUsize::new(0),
            drained: Notify::new(),
            keys: Mutex::new(HashMap::new()),
            tokens: std::sync::atomic::AtomicU64::new(0),
            metrics,
            failing: Mutex::new(None),
            reachable: AtomicBool::new(true),
        });
        tokio::spawn(writer(Arc::clone(&inner), rx));
        tokio::spawn(durable_writer(Arc::clone(&inner), durable_rx));
        tokio::spawn(retention(Arc::downgrade(&inner)));
        tokio::spawn(health_check(Arc::downgrade(&inner)));
        tracing::info!(
            database = ?inner.store.kind,
            queue = settings.queue_capacity,
            retention_days = settings.retention_days,
            retention_rows = settings.retention_rows,
            "run history open"
        );
        Ok(Self { inner })
    }

    /// Whether programs are kept with their records.
    pub fn stores_code(&self) -> bool {
        self.inner.settings.store_code
    }

    /// `None` while the database answers; else why not.
    pub fn healthy(&self) -> Result<(), String> {
        if self.inner.reachable.load(Ordering::Relaxed) {
            return Ok(());
        }
        let why = self
            .inner
            .failing
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .unwrap_or_else(|| "unreachable".to_owned());
        Err(why)
    }

    /// What `received`'s request id stands for: see [`Claim`]. `heavy`: the request is for
    /// a heavy job. Waits while the same program under the same id is still running.
    pub async fn claim(&self, received: &Received, heavy: bool) -> Result<Claim, HistoryError> {
        enum Step {
            Done(Claim),
            Wait(watch::Receiver<Option<Arc<Row>>>),
            Look(ClaimGuard),
        }
        loop {
            // The lock is held in this block only, never across an await.
            let step = {
                let mut keys =
                    self.inner.keys.lock().map_err(|_| {
                        HistoryError::Corrupt("history key table poisoned".to_owned())
                    })?;
                match keys.get(&received.id) {
                    Some(Entry::Queued(row)) if row.status.is_final() || row.job_id.is_some() => {
                        Step::Done(self.settled(received, heavy, row))
                    }
                    Some(Entry::Running {
                        code_sha256,
                        heavy: running_heavy,
                        done,
                        ..
                    }) => {
                        if *code_sha256 != received.code_sha256 || *running_heavy != heavy {
                            Step::Done(Claim::Conflict(conflict(received)))
                        } else {
                            Step::Wait(done.clone())
                        }
                    }
                    _ => {
                        // Not in memory (or only a refusal, which settles nothing): the
                        // database decides. Marked running first, so that a twin waits.
                        let (done, rx) = watch::channel(None);
                        let token = self.inner.tokens.fetch_add(1, Ordering::Relaxed);
                        keys.insert(
                            received.id.clone(),
                            Entry::Running {
                                token,
                                code_sha256: received.code_sha256.clone(),
                                heavy,
                                done: rx,
                            },
                        );
                        Step::Look(ClaimGuard {
                            key: received.id.clone(),
                            token,
                            history: Arc::clone(&self.inner),
                            done,
                        })
                    }
                }
            };
            match step {
                Step::Done(claim) => return Ok(claim),
                Step::Look(guard) => {
                    return match self.inner.store.get(&received.id).await? {
                        Some(row) if row.status.is_final() || row.job_id.is_some() => {
                            // Dropping the guard frees the key for whoever waited.
                            Ok(self.settled(received, heavy, &row))
                        }
                        _ => Ok(Claim::New(guard)),
                    };
                }
                Step::Wait(mut waiting) => {
                    // The twin ends: its row, or nothing (it failed or its client left):
                    // claim again.
                    let finished = match waiting.wait_for(Option::is_some).await {
                        Ok(row) => row.clone(),
                        Err(_) => None,
                    };
                    if let Some(row) = finished {
                        return Ok(self.settled(received, heavy, &row));
                    }
                }
            }
        }
    }

    fn settled(&self, received: &Received, heavy: bool, row: &Row) -> Claim {
        // A job's row may not have its request's columns yet (written in either order).
        let other_code = !row.code_sha256.is_empty() && row.code_sha256 != received.code_sha256;
        if other_code || row.job_id.is_some() != heavy {
            return Claim::Conflict(conflict(received));
        }
        Claim::Recorded(Box::new(row.clone()))
    }

    /// Records a request that ran no program here or that no claim covers (refusals,
    /// server-made ids): queued, never waited for.
    pub fn record(&self, row: Row) {
        self.inner.enqueue(Arc::new(row));
    }

    /// Records a request no claim covers and waits until the database has it (see
    /// [`ClaimGuard::finish_durably`]); on failure the row is queued as by
    /// [`History::record`] and the error returned.
    pub async fn record_durably(&self, row: Row, within: Duration) -> Result<(), HistoryError> {
        let row = Arc::new(row);
        let result = self.inner.write_through(&row, within).await;
        if result.is_err() {
            self.inner.enqueue(row);
        }
        result
    }

    /// Makes sure the record under `id` is in the database: when it is still only queued
    /// (finished by [`ClaimGuard::finish`] or a failed durable write, not yet written), it
    /// is written through now. For answering a resent request from its record only once
    /// that record is durable.
    pub async fn ensure_durable(&self, id: &str, within: Duration) -> Result<(), HistoryError> {
        let queued = match self.inner.keys.lock() {
            Ok(keys) => match keys.get(id) {
                Some(Entry::Queued(row)) => Some(Arc::clone(row)),
                _ => None,
            },
            Err(_) => {
                return Err(HistoryError::Corrupt(
                    "history key table poisoned".to_owned(),
                ))
            }
        };
        match queued {
            Some(row) => self.inner.write_through(&row, within).await,
            None => Ok(()),
        }
    }

    /// Records a heavy job's request before its creation is answered.
    pub async fn record_job(&self, row: &Row) -> Result<(), HistoryError> {
        let result = self.inner.store.merge_request(&row.cleaned()).await;
        self.inner.note(&result);
        result
    }

    /// Writes a heavy job's record each time it changes, until it is done.
    pub fn follow_job(&self, mut rx: watch::Receiver<JobRecord>) {
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            loop {
                let record = rx.borrow_and_update().clone();
                let row = Row::from_job(&record);
                let mut delay = Duration::from_millis(100);
                loop {
                    let result = inner.store.merge_job(&row).await;
                    inner.note(&result);
                    match result {
                        Ok(()) => break,
                        Err(err) => {
                            tracing::warn!(job_id = %record.job_id, error = %crate::telemetry::error_chain(&err), "cannot record the job's progress; retrying");
                            tokio::time::sleep(delay).await;
                            delay = (delay * 2).min(Duration::from_secs(10));
                        }
                    }
                }
                if record.status.is_done() || rx.changed().await.is_err() {
                    return;
                }
            }
        });
    }

    /// One record by its key.
    pub async fn get(&self, id: &str) -> Result<Option<Row>, HistoryError> {
        if let Ok(keys) = self.inner.keys.lock() {
            if let Some(Entry::Queued(row)) = keys.get(id) {
                return Ok(Some((**row).clone()));
            }
        }
        self.inner.store.get(id).await
    }

    /// The records of a request id (one per caller that used it), newest first.
    pub async fn by_request_id(&self, request_id: &str) -> Result<Vec<Row>, HistoryError> {
        self.inner.store.by_request_id(request_id).await
    }

    /// Records matching `filter` (without their program and result), newest first; the
    /// limit is capped at [`MAX_PAGE`] and one more (to tell whether a next page exists).
    pub async fn list(&self, filter: &Filter) -> Result<Vec<Row>, HistoryError> {
        let mut filter = filter.clone();
        filter.limit = filter.limit.clamp(1, MAX_PAGE + 1);
        self.inner.store.list(&filter).await
    }

    /// Heavy jobs still pending or running, received before `before` (ms).
    pub async fn unfinished_jobs(&self, before: i64) -> Result<Vec<Row>, HistoryError> {
        self.inner.store.unfinished_jobs(before).await
    }

    /// Marks a heavy job failed (or cancelled) with `error`: a job no one follows any more.
    pub async fn end_job(&self, row: &Row) -> Result<(), HistoryError> {
        self.inner.store.merge_job(row).await
    }

    /// Runs retention now; the number of records deleted.
    pub async fn retain_now(&self) -> Result<u64, HistoryError> {
        self.inner.retain().await
    }

    /// Records waiting to be written.
    pub fn queued(&self) -> usize {
        self.inner.pending.load(Ordering::Relaxed)
    }

    /// Waits until every queued record is written, or `within` runs out; whether it was.
    pub async fn flush(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.inner.drained.notified();
            if self.queued() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.queued() == 0;
            }
        }
    }

    pub async fn count(&self) -> Result<i64, HistoryError> {
        self.inner.store.count().await
    }
}

fn conflict(received: &Received) -> String {
    format!(
        "request id {:?} was already used for another program: send a new request id (resending the same program with the same id returns its recorded run)",
        received.request_id
    )
}

impl Inner {
    fn enqueue(&self, row: Arc<Row>) {
        let row = if row.needs_cleaning() {
            Arc::new(row.cleaned())
        } else {
            row
        };
        if let Ok(mut keys) = self.keys.lock() {
            // A refusal settles nothing: it never stands in for a run in progress or one
            // not yet written (the database keeps the same rule).
            let refusal = row.status == crate::models::RunStatus::Refused;
            if !(refusal && keys.contains_key(&row.id)) {
                keys.insert(row.id.clone(), Entry::Queued(Arc::clone(&row)));
            }
        }
        self.pending.fetch_add(1, Ordering::Relaxed);
        match self.queue.try_send(row) {
            Ok(()) => {
                if let Some(metrics) = &self.metrics {
                    metrics.history_queued(self.pending.load(Ordering::Relaxed));
                }
            }
            Err(err) => {
                self.pending.fetch_sub(1, Ordering::Relaxed);
                let row = err.into_inner();
                if let Ok(mut keys) = self.keys.lock() {
                    if matches!(keys.get(&row.id), Some(Entry::Queued(r)) if Arc::ptr_eq(r, &row)) {
                        keys.remove(&row.id);
                    }
                }
                if let Some(metrics) = &self.metrics {
                    metrics.history_dropped();
                }
                tracing::error!(
                    request_id = %row.request_id,
                    status = row.status.as_str(),
                    capacity = self.settings.queue_capacity,
                    "history queue full: this run is NOT recorded (counted in pyexec_history_dropped_total)"
                );
            }
        }
    }

    /// Writes one row to the database before `within` runs out: handed to the durable
    /// writer, which commits whatever rows are waiting in one transaction (group commit)
    /// and retries with backoff while anyone still waits. A row still queued under the same
    /// key is left to the batched writer, which writes the same row again (an upsert:
    /// harmless).
    async fn write_through(&self, row: &Arc<Row>, within: Duration) -> Result<(), HistoryError> {
        let deadline = tokio::time::Instant::now() + within;
        let (done, answer) = oneshot::channel();
        let row = if row.needs_cleaning() {
            Arc::new(row.cleaned())
        } else {
            Arc::clone(row)
        };
        let durable = Durable { row, done };
        match tokio::time::timeout_at(deadline, self.durable.send(durable)).await {
            Ok(Ok(())) => {}
            // The writer is gone (never while this process serves): nothing was written.
            Ok(Err(_)) => return Err(HistoryError::WriteTimeout),
            Err(_) => return Err(HistoryError::WriteTimeout),
        }
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) | Err(_) => Err(HistoryError::WriteTimeout),
        }
    }

    /// Writes `rows` in one transaction, noting the outcome (readiness) and counting what
    /// was written.
    async fn commit(&self, rows: &[&Row]) -> Result<(), HistoryError> {
        let started = std::time::Instant::now();
        let result = self.store.upsert(rows).await;
        self.note(&result);
        if result.is_ok() {
            if let Some(metrics) = &self.metrics {
                metrics.history_written(rows.len(), started.elapsed());
            }
        }
        result
    }

    fn note<T>(&self, result: &Result<T, HistoryError>) {
        match result {
            Ok(_) => {
                if !self.reachable.swap(true, Ordering::Relaxed) {
                    tracing::info!("history database reachable again");
                }
                if let Ok(mut failing) = self.failing.lock() {
                    *failing = None;
                }
            }
            Err(err) => {
                let text = crate::telemetry::error_chain(err);
                if self.reachable.swap(false, Ordering::Relaxed) {
                    tracing::error!(error = %text, "history database failing");
                }
                if let Ok(mut failing) = self.failing.lock() {
                    *failing = Some(text);
                }
            }
        }
    }

    /// Writes `rows` one transaction each; a row the database refuses is dropped, counted
    /// and logged; a lost connection is retried.
    async fn write_one_by_one(&self, rows: &[&Row]) {
        for row in rows {
            let mut delay = Duration::from_millis(50);
            loop {
                match self.commit(&[row]).await {
                    Ok(()) => {}
                    Err(err) if err.is_refused_data() => {
                        if let Some(metrics) = &self.metrics {
                            metrics.history_dropped();
                        }
                        tracing::error!(
                            request_id = %row.request_id,
                            owner = %row.owner,
                            error = %crate::telemetry::error_chain(&err),
                            "the history database refused this record: it is NOT recorded (counted in pyexec_history_dropped_total)"
                        );
                    }
                    Err(err) => {
                        tracing::warn!(error = %crate::telemetry::error_chain(&err), "cannot write a history record; retrying");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(5));
                        continue;
                    }
                }
                break;
            }
        }
    }

    async fn retain(&self) -> Result<u64, HistoryError> {
        let days = self.settings.retention_days;
        let before = (days > 0).then(|| now_ms() - i64::from(days) * 86_400_000);
        let deleted = self
            .store
            .retain(
                before,
                self.settings.retention_rows,
                self.settings.retention_total_rows,
            )
            .await;
        self.note(&deleted);
        let deleted = deleted?;
        if deleted > 0 {
            tracing::info!(deleted, "history retention");
        }
        Ok(deleted)
    }
}

/// One row per key, the later row winning where a batch holds a key twice.
fn latest<'r>(rows: impl Iterator<Item = &'r Row>) -> Vec<&'r Row> {
    let mut latest: HashMap<&str, &Row> = HashMap::new();
    for row in rows {
        latest.insert(row.id.as_str(), row);
    }
    latest.into_values().collect()
}

/// Empties the queue in batches, one transaction each; a failed batch is kept and retried.
async fn writer(inner: Arc<Inner>, mut rx: mpsc::Receiver<Arc<Row>>) {
    let batch_size = inner.settings.batch_size.max(1);
    let linger = Duration::from_millis(inner.settings.flush_interval_ms);
    let mut batch: Vec<Arc<Row>> = Vec::with_capacity(batch_size);
    loop {
        if rx.recv_many(&mut batch, batch_size).await == 0 {
            return;
        }
        // Linger a moment for more: one transaction for many records costs far less CPU
        // than one each, and the CPU is the sandboxes'.
        let deadline = tokio::time::Instant::now() + linger;
        while batch.len() < batch_size {
            let room = batch_size - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let rows = latest(batch.iter().map(|r| &**r));
        let mut delay = Duration::from_millis(50);
        loop {
            match inner.commit(&rows).await {
                Ok(()) => break,
                Err(err) if err.is_refused_data() => {
                    // The database refused what one record holds, not the connection:
                    // write them one by one and set aside those it refuses, so that one
                    // record never holds everyone else's back.
                    inner.write_one_by_one(&rows).await;
                    break;
                }
                Err(err) => {
                    tracing::warn!(records = rows.len(), error = %crate::telemetry::error_chain(&err), retry_in_ms = delay.as_millis() as u64, "cannot write history records; keeping them and retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
        if let Ok(mut keys) = inner.keys.lock() {
            for row in &batch {
                if matches!(keys.get(&row.id), Some(Entry::Queued(r)) if Arc::ptr_eq(r, row)) {
                    keys.remove(&row.id);
                }
            }
        }
        inner.pending.fetch_sub(batch.len(), Ordering::Relaxed);
        if let Some(metrics) = &inner.metrics {
            metrics.history_queued(inner.pending.load(Ordering::Relaxed));
        }
        batch.clear();
        inner.drained.notify_waiters();
    }
}

/// Commits the rows callers wait on. Group commit: the rows that arrived while the last
/// transaction ran share the next one, so a burst of event requests costs a few
/// transactions rather than one each, with no lingering (a lone row is written at once). A
/// failing database is retried with backoff while anyone still waits; a waiter that gave up
/// has queued its row for the batched writer ([`ClaimGuard::finish_durably`]). A batch the
/// database refuses for its data is written row by row, each waiter told its own outcome.
async fn durable_writer(inner: Arc<Inner>, mut rx: mpsc::Receiver<Durable>) {
    let batch_size = inner.settings.batch_size.max(1);
    let mut batch: Vec<Durable> = Vec::with_capacity(batch_size);
    loop {
        if rx.recv_many(&mut batch, batch_size).await == 0 {
            return;
        }
        let mut delay = Duration::from_millis(20);
        loop {
            batch.retain(|d| !d.done.is_closed());
            if batch.is_empty() {
                break;
            }
            // (Every waiter of a key written twice is answered.)
            let rows = latest(batch.iter().map(|d| &*d.row));
            match inner.commit(&rows).await {
                Ok(()) => {
                    for d in batch.drain(..) {
                        let _ = d.done.send(Ok(()));
                    }
                    break;
                }
                Err(err) if err.is_refused_data() && batch.len() > 1 => {
                    for d in batch.drain(..) {
                        let result = inner.commit(&[&d.row]).await;
                        let _ = d.done.send(result);
                    }
                    break;
                }
                Err(err) if err.is_refused_data() => {
                    if let Some(d) = batch.pop() {
                        let _ = d.done.send(Err(err));
                    }
                    batch.clear();
                    break;
                }
                Err(err) => {
                    tracing::warn!(records = rows.len(), error = %crate::telemetry::error_chain(&err), retry_in_ms = delay.as_millis() as u64, "cannot write records through; retrying while their requests wait");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                    // Whoever came meanwhile joins the retry.
                    while batch.len() < batch_size {
                        match rx.try_recv() {
                            Ok(d) => batch.push(d),
                            Err(_) => break,
                        }
                    }
                }
            }
        }
    }
}

async fn retention(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        if let Err(err) = strong.retain().await {
            tracing::warn!(error = %crate::telemetry::error_chain(&err), "history retention failed; trying again later");
        }
        let every = Duration::from_secs(strong.settings.retention_interval_secs.max(1));
        drop(strong);
        tokio::time::sleep(every).await;
    }
}

/// Pings the database every few seconds so that readiness knows whether it answers.
async fn health_check(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let result = tokio::time::timeout(Duration::from_secs(3), strong.store.ping())
            .await
            .unwrap_or_else(|_| Err(HistoryError::Timeout));
        strong.note(&result);
        drop(strong);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
