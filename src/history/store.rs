//! The database behind the history: SQLite or PostgreSQL through sqlx's `Any` driver, one
//! set of portable queries (`$n` placeholders work on both), the embedded migrations applied
//! at start-up.

use std::borrow::Cow;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row as _};

use super::record::Row;
use super::HistoryError;
use crate::models::{RunStatus, Source, Tier};

/// Every column, in the order [`bind_row`] binds them and [`decode`] reads them.
const COLUMNS: &str = "id, request_id, owner, source, tier, tier_reasons, status, received_at, \
    started_at, finished_at, duration_ms, cpu_ms, peak_memory_kb, exit_code, term_signal, \
    stdout_bytes, stderr_bytes, stdout_truncated, stderr_truncated, result_location, findings, \
    attempts, code_sha256, code, error, job_id, traceparent, result";

/// The columns of a listing: every one but the program and the whole result, which can be
/// megabytes each (a page of them would be gigabytes).
const SUMMARY_COLUMNS: &str =
    "id, request_id, owner, source, tier, tier_reasons, status, received_at, \
    started_at, finished_at, duration_ms, cpu_ms, peak_memory_kb, exit_code, term_signal, \
    stdout_bytes, stderr_bytes, stdout_truncated, stderr_truncated, result_location, findings, \
    attempts, code_sha256, error, job_id, traceparent";

/// The columns a heavy job's progress changes: the job service writes these, the executor
/// the request's own (`source`, `code`...), in either order.
const JOB_COLUMNS: [&str; 18] = [
    "status",
    "started_at",
    "finished_at",
    "duration_ms",
    "cpu_ms",
    "peak_memory_kb",
    "exit_code",
    "term_signal",
    "stdout_bytes",
    "stderr_bytes",
    "stdout_truncated",
    "stderr_truncated",
    "result_location",
    "findings",
    "error",
    "job_id",
    "tier",
    "result",
];

/// The request's columns, as the executor knows them when it creates a job.
const REQUEST_COLUMNS: [&str; 9] = [
    "source",
    "tier",
    "tier_reasons",
    "received_at",
    "attempts",
    "code_sha256",
    "code",
    "traceparent",
    "job_id",
];

fn migrator() -> Migrator {
    Migrator {
        migrations: Cow::Owned(vec![Migration::new(
            1,
            Cow::Borrowed("executions"),
            MigrationType::Simple,
            Cow::Borrowed(include_str!("migrations/0001_executions.sql")),
            false,
        )]),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    pub kind: Kind,
}

/// A filter of [`Store::list`]; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub owner: Option<String>,
    pub statuses: Vec<RunStatus>,
    pub tier: Option<Tier>,
    pub source: Option<Source>,
    /// Received at or after (ms).
    pub since: Option<i64>,
    /// Received before (ms).
    pub until: Option<i64>,
    pub request_id_prefix: Option<String>,
    /// Heavy jobs only.
    pub jobs_only: bool,
    /// Older than this (received_at, id), exclusive: the cursor.
    pub before: Option<(i64, String)>,
    pub limit: usize,
}

/// A value to bind, in order.
enum Value {
    Int(i64),
    Text(String),
}

impl Store {
    /// Connects to `url` and brings its schema up to date.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, HistoryError> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            Kind::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Kind::Postgres
        } else {
            return Err(HistoryError::Url(
                "history.url must start with sqlite: or postgres:".to_owned(),
            ));
        };
        let url = match kind {
            // Create the file when missing.
            Kind::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| HistoryError::Url(crate::telemetry::error_chain(&e)))?;
        if kind == Kind::Sqlite {
            // WAL (readers never wait for the writer), set once on one connection before the
            // pool opens its connections together: switching a database to WAL takes an
            // exclusive lock, and connections racing to do it fail with "database is
            // locked". The mode is kept in the file.
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect_with(&options)
                .await
                .map_err(HistoryError::Database)?;
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&mut conn)
                .await
                .map_err(HistoryError::Database)?;
            sqlx::Connection::close(conn)
                .await
                .map_err(HistoryError::Database)?;
        }
        // Every connection opened at start-up and kept: a fixed number of files and sockets
        // (the process's descriptor count does not creep up under load), and no connection
        // set-up on a request's path.
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .min_connections(max_connections.max(1))
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if kind == Kind::Sqlite {
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                        // NORMAL is durable across process crashes in WAL mode (a power
                        // loss may lose the last transactions).
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(HistoryError::Database)?;
        migrator().run(&pool).await.map_err(HistoryError::Migrate)?;
        Ok(Self { pool, kind })
    }

    pub async fn ping(&self) -> Result<(), HistoryError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(HistoryError::Database)
    }

    /// Writes whole rows (new, or replacing what was there) in one transaction.
    pub async fn upsert(&self, rows: &[&Row]) -> Result<(), HistoryError> {
        let names: Vec<&str> = COLUMNS.split(", ").map(str::trim).collect();
        let set: Vec<String> = names[1..]
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        // A refusal settles nothing and never replaces what a request id already holds (a
        // run, a job): a caller cannot erase its own record by sending a bad request.
        let sql = format!(
            "INSERT INTO executions ({COLUMNS}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {} \
             WHERE executions.status = 'refused' OR excluded.status <> 'refused'",
            placeholders(names.len()),
            set.join(", ")
        );
        let mut tx = self.pool.begin().await.map_err(HistoryError::Database)?;
        for row in rows {
            bind_row(sqlx::query(&sql), row)
                .execute(&mut *tx)
                .await
                .map_err(HistoryError::Database)?;
        }
        tx.commit().await.map_err(HistoryError::Database)
    }

    /// Writes a row, replacing only `columns` when it exists.
    pub async fn merge(&self, row: &Row, columns: &[&str]) -> Result<(), HistoryError> {
        let names: Vec<&str> = COLUMNS.split(", ").map(str::trim).collect();
        let set: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let sql = format!(
            "INSERT INTO executions ({COLUMNS}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}",
            placeholders(names.len()),
            set.join(", ")
        );
        bind_row(sqlx::query(&sql), row)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(HistoryError::Database)
    }

    /// A heavy job's progress.
    pub async fn merge_job(&self, row: &Row) -> Result<(), HistoryError> {
        self.merge(row, &JOB_COLUMNS).await
    }

    /// A heavy job's request, as the executor created it.
    pub async fn merge_request(&self, row: &Row) -> Result<(), HistoryError> {
        self.merge(row, &REQUEST_COLUMNS).await
    }

    pub async fn get(&self, id: &str) -> Result<Option<Row>, HistoryError> {
        let sql = format!("SELECT {COLUMNS} FROM executions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(HistoryError::Database)?;
        row.map(|r| decode(&r)).transpose()
    }

    /// The rows of `request_id` (one per owner that used it), newest first.
    pub async fn by_request_id(&self, request_id: &str) -> Result<Vec<Row>, HistoryError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM executions WHERE request_id = $1 ORDER BY received_at DESC LIMIT 100"
        );
        let rows = sqlx::query(&sql)
            .bind(request_id.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(HistoryError::Database)?;
        rows.iter().map(decode).collect()
    }

    /// Rows matching `filter`, newest first, at most `filter.limit`.
    pub async fn list(&self, filter: &Filter) -> Result<Vec<Row>, HistoryError> {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let next = |value: Value, values: &mut Vec<Value>| {
            values.push(value);
            format!("${}", values.len())
        };
        if let Some(owner) = &filter.owner {
            let p = next(Value::Text(owner.clone()), &mut values);
            clauses.push(format!("owner = {p}"));
        }
        if !filter.statuses.is_empty() {
            let ps: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| next(Value::Text(s.as_str().to_owned()), &mut values))
                .collect();
            clauses.push(format!("status IN ({})", ps.join(", ")));
        }
        if let Some(tier) = filter.tier {
            let p = next(Value::Text(tier.to_string()), &mut values);
            clauses.push(format!("tier = {p}"));
        }
        if let Some(source) = filter.source {
            let p = next(Value::Text(source.as_str().to_owned()), &mut values);
            clauses.push(format!("source = {p}"));
        }
        if let Some(since) = filter.since {
            let p = next(Value::Int(since), &mut values);
            clauses.push(format!("received_at >= {p}"));
        }
        if let Some(until) = filter.until {
            let p = next(Value::Int(until), &mut values);
            clauses.push(format!("received_at < {p}"));
        }
        if let Some(prefix) = &filter.request_id_prefix {
            // Exact, whatever the database's collation (a range would follow PostgreSQL's
            // locale order), with no LIKE wildcard to escape; the same on both databases.
            let p = next(Value::Text(prefix.clone()), &mut values);
            let n = next(
                Value::Int(i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX)),
                &mut values,
            );
            clauses.push(format!("substr(request_id, 1, CAST({n} AS INTEGER)) = {p}"));
        }
        if filter.jobs_only {
            clauses.push("job_id IS NOT NULL".to_owned());
        }
        if let Some((at, id)) = &filter.before {
            let a = next(Value::Int(*at), &mut values);
            let b = next(Value::Int(*at), &mut values);
            let c = next(Value::Text(id.clone()), &mut values);
            clauses.push(format!(
                "(received_at < {a} OR (received_at = {b} AND id < {c}))"
            ));
        }
        let limit = next(
            Value::Int(i64::try_from(filter.limit).unwrap_or(i64::MAX)),
            &mut values,
        );
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM executions {filter_sql} ORDER BY received_at DESC, id DESC LIMIT {limit}"
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = match value {
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
            };
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .map_err(HistoryError::Database)?;
        rows.iter().map(decode_summary).collect()
    }

    /// Heavy jobs still pending or running, received before `before` (ms).
    pub async fn unfinished_jobs(&self, before: i64) -> Result<Vec<Row>, HistoryError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM executions WHERE job_id IS NOT NULL \
             AND status IN ('pending', 'running') AND received_at < $1"
        );
        let rows = sqlx::query(&sql)
            .bind(before)
            .fetch_all(&self.pool)
            .await
            .map_err(HistoryError::Database)?;
        rows.iter().map(decode).collect()
    }

    /// Deletes settled rows received before `before` (ms), each owner's oldest settled rows
    /// beyond its newest `keep_per_owner`, then the oldest settled rows beyond the newest
    /// `keep` of all (0: no cap). Jobs still pending or running are kept.
    pub async fn retain(
        &self,
        before: Option<i64>,
        keep_per_owner: u64,
        keep: u64,
    ) -> Result<u64, HistoryError> {
        let mut deleted = 0;
        if let Some(before) = before {
            deleted += self.delete_settled_before(before - 1).await?;
        }
        if keep_per_owner > 0 {
            // Each caller's own oldest beyond its cap: one caller's volume never evicts
            // another's records.
            deleted += sqlx::query(
                "DELETE FROM executions WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
                 (PARTITION BY owner ORDER BY received_at DESC, id DESC) AS n FROM executions \
                 WHERE status NOT IN ('pending', 'running')) AS ranked WHERE n > $1)",
            )
            .bind(i64::try_from(keep_per_owner).unwrap_or(i64::MAX))
            .execute(&self.pool)
            .await
            .map_err(HistoryError::Database)?
            .rows_affected();
        }
        if keep > 0 {
            // The received_at of the newest row beyond the cap; everything at or before it
            // goes (rows received in the same millisecond go together).
            let cutoff: Option<i64> = sqlx::query(
                "SELECT received_at FROM executions ORDER BY received_at DESC LIMIT 1 OFFSET $1",
            )
            .bind(i64::try_from(keep).unwrap_or(i64::MAX))
            .fetch_optional(&self.pool)
            .await
            .map_err(HistoryError::Database)?
            .map(|row| row.try_get::<i64, _>(0))
            .transpose()
            .map_err(HistoryError::Database)?;
            if let Some(cutoff) = cutoff {
                deleted += self.delete_settled_before(cutoff).await?;
            }
        }
        Ok(deleted)
    }

    /// Deletes the settled rows received at or before `at` (ms).
    async fn delete_settled_before(&self, at: i64) -> Result<u64, HistoryError> {
        sqlx::query(
            "DELETE FROM executions WHERE received_at <= $1 AND status NOT IN ('pending', 'running')",
        )
        .bind(at)
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected())
        .map_err(HistoryError::Database)
    }

    pub async fn count(&self) -> Result<i64, HistoryError> {
        sqlx::query("SELECT COUNT(*) FROM executions")
            .fetch_one(&self.pool)
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .map_err(HistoryError::Database)
    }
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

fn int<T: TryInto<i64>>(value: Option<T>) -> Option<i64> {
    value.and_then(|v| v.try_into().ok())
}

fn bind_row<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    row: &Row,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(row.id.clone())
        .bind(row.request_id.clone())
        .bind(row.owner.clone())
        .bind(row.source.as_str())
        .bind(row.tier.map(|t| t.to_string()))
        .bind(json_list(&row.tier_reasons))
        .bind(row.status.as_str())
        .bind(row.received_at)
        .bind(row.started_at)
        .bind(row.finished_at)
        .bind(row.duration_ms)
        .bind(row.cpu_ms)
        .bind(int(row.peak_memory_kb))
        .bind(int(row.exit_code))
        .bind(int(row.signal))
        .bind(int(row.stdout_bytes))
        .bind(int(row.stderr_bytes))
        .bind(i64::from(row.stdout_truncated))
        .bind(i64::from(row.stderr_truncated))
        .bind(row.result_location.clone())
        .bind(json_list(&row.findings))
        .bind(int(row.attempts))
        .bind(row.code_sha256.clone())
        .bind(row.code.clone())
        .bind(row.error.clone())
        .bind(row.job_id.clone())
        .bind(row.traceparent.clone())
        .bind(
            row.result
                .as_ref()
                .and_then(|r| serde_json::to_string(r).ok()),
        )
}

fn decode(row: &AnyRow) -> Result<Row, HistoryError> {
    decode_columns(row, true)
}

/// A row of [`SUMMARY_COLUMNS`]: no program, no result.
fn decode_summary(row: &AnyRow) -> Result<Row, HistoryError> {
    decode_columns(row, false)
}

fn decode_columns(row: &AnyRow, full: bool) -> Result<Row, HistoryError> {
    let bad = |what: &str, value: &str| HistoryError::Corrupt(format!("{what} {value:?}"));
    let text = |name: &str| row.try_get::<String, _>(name);
    let opt_text = |name: &str| row.try_get::<Option<String>, _>(name);
    let opt_int = |name: &str| row.try_get::<Option<i64>, _>(name);
    let list = |name: &str| -> Result<Vec<String>, HistoryError> {
        let raw = text(name).map_err(HistoryError::Database)?;
        serde_json::from_str(&raw).map_err(|_| bad(name, &raw))
    };
    let source = text("source").map_err(HistoryError::Database)?;
    let status = text("status").map_err(HistoryError::Database)?;
    let tier = opt_text("tier").map_err(HistoryError::Database)?;
    let result = if full {
        opt_text("result").map_err(HistoryError::Database)?
    } else {
        None
    };
    let db = HistoryError::Database;
    Ok(Row {
        id: text("id").map_err(db)?,
        request_id: text("request_id").map_err(db)?,
        owner: text("owner").map_err(db)?,
        source: Source::parse(&source).ok_or_else(|| bad("source", &source))?,
        tier: match tier.as_deref() {
            None => None,
            Some("lightweight") => Some(Tier::Lightweight),
            Some("heavy") => Some(Tier::Heavy),
            Some(other) => return Err(bad("tier", other)),
        },
        tier_reasons: list("tier_reasons")?,
        status: RunStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        received_at: row.try_get::<i64, _>("received_at").map_err(db)?,
        started_at: opt_int("started_at").map_err(db)?,
        finished_at: opt_int("finished_at").map_err(db)?,
        duration_ms: row.try_get::<Option<f64>, _>("duration_ms").map_err(db)?,
        cpu_ms: row.try_get::<Option<f64>, _>("cpu_ms").map_err(db)?,
        peak_memory_kb: opt_int("peak_memory_kb")
            .map_err(db)?
            .and_then(|v| v.try_into().ok()),
        exit_code: opt_int("exit_code")
            .map_err(db)?
            .and_then(|v| v.try_into().ok()),
        signal: opt_int("term_signal")
            .map_err(db)?
            .and_then(|v| v.try_into().ok()),
        stdout_bytes: opt_int("stdout_bytes")
            .map_err(db)?
            .and_then(|v| v.try_into().ok()),
        stderr_bytes: opt_int("stderr_bytes")
            .map_err(db)?
            .and_then(|v| v.try_into().ok()),
        stdout_truncated: row.try_get::<i64, _>("stdout_truncated").map_err(db)? != 0,
        stderr_truncated: row.try_get::<i64, _>("stderr_truncated").map_err(db)? != 0,
        result_location: opt_text("result_location").map_err(db)?,
        findings: list("findings")?,
        attempts: opt_int("attempts")
            .map_err(db)?
            .and_then(|v| v.try_into().ok()),
        code_sha256: text("code_sha256").map_err(db)?,
        code: if full {
            opt_text("code").map_err(db)?
        } else {
            None
        },
        error: opt_text("error").map_err(db)?,
        job_id: opt_text("job_id").map_err(db)?,
        traceparent: opt_text("traceparent").map_err(db)?,
        result: match result {
            None => None,
            Some(raw) => Some(serde_json::from_str(&raw).map_err(|_| bad("result", "…"))?),
        },
    })
}
