//! A history row as the store keeps it, and its conversions from what the executor and the
//! job service know and to what the API shows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::models::{
    CompletionEvent, ExecutionRecord, ExecutionResult, Finished, JobRecord, RunStatus, Source, Tier,
};

/// Milliseconds since the Unix epoch.
pub fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub fn now_ms() -> i64 {
    millis(SystemTime::now())
}

fn rfc3339(ms: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(at).to_string()
}

/// An RFC 3339 time (as the job records write them) in milliseconds.
pub fn parse_time(text: &str) -> Option<i64> {
    humantime::parse_rfc3339_weak(text).ok().map(millis)
}

/// SHA-256 of a program, hex.
pub fn code_hash(code: &str) -> String {
    sha256_hex(code.as_bytes())
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&<sha2::Sha256 as sha2::Digest>::digest(bytes))
}

/// `bytes` (a digest) as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One request's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The (owner, request id) pair's id: [`crate::models::sane_request_id`]'s ids hashed
    /// with their owner, as job ids are.
    pub id: String,
    pub request_id: String,
    pub owner: String,
    pub source: Source,
    pub tier: Option<Tier>,
    pub tier_reasons: Vec<String>,
    pub status: RunStatus,
    pub received_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub duration_ms: Option<f64>,
    pub cpu_ms: Option<f64>,
    pub peak_memory_kb: Option<u64>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout_bytes: Option<u64>,
    pub stderr_bytes: Option<u64>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub result_location: Option<String>,
    pub findings: Vec<String>,
    pub attempts: Option<u32>,
    pub code_sha256: String,
    pub code: Option<String>,
    pub error: Option<String>,
    pub job_id: Option<String>,
    pub traceparent: Option<String>,
    pub result: Option<ExecutionResult>,
}

/// What the executor knows of a request before it runs.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub request_id: String,
    pub owner: String,
    pub source: Source,
    pub received_at: i64,
    pub code_sha256: String,
    pub code: Option<String>,
    pub attempts: Option<u32>,
    pub traceparent: Option<String>,
}

impl Row {
    /// A row for `received`, with `status` and nothing else known yet.
    pub fn new(received: &Received, status: RunStatus) -> Self {
        Self {
            id: received.id.clone(),
            request_id: received.request_id.clone(),
            owner: received.owner.clone(),
            source: received.source,
            tier: None,
            tier_reasons: Vec::new(),
            status,
            received_at: received.received_at,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            cpu_ms: None,
            peak_memory_kb: None,
            exit_code: None,
            signal: None,
            stdout_bytes: None,
            stderr_bytes: None,
            stdout_truncated: false,
            stderr_truncated: false,
            result_location: None,
            findings: Vec::new(),
            attempts: received.attempts,
            code_sha256: received.code_sha256.clone(),
            code: received.code.clone(),
            error: None,
            job_id: None,
            traceparent: received.traceparent.clone(),
            result: None,
        }
    }

    /// A lightweight run that gave `result`, started `duration_ms` before it finished now.
    pub fn ran(received: &Received, result: &ExecutionResult) -> Self {
        let finished = now_ms();
        let mut row = Self::new(received, result.status.into());
        row.tier = Some(Tier::Lightweight);
        row.fill_from(result);
        row.finished_at = Some(finished);
        // Rejected programs never started.
        if row.status != RunStatus::Rejected {
            #[allow(clippy::cast_possible_truncation)]
            let ran = result.duration_ms.max(0.0).round() as i64;
            row.started_at = Some((finished - ran).max(received.received_at));
        }
        row
    }

    fn fill_from(&mut self, result: &ExecutionResult) {
        self.duration_ms = Some(result.duration_ms);
        self.cpu_ms = Some(result.cpu_ms);
        self.peak_memory_kb = Some(result.peak_memory_kb);
        self.exit_code = result.exit_code;
        self.signal = result.signal;
        self.stdout_bytes = Some(result.stdout.len() as u64);
        self.stderr_bytes = Some(result.stderr.len() as u64);
        self.stdout_truncated = result.stdout_truncated;
        self.stderr_truncated = result.stderr_truncated;
        self.findings = result.findings.iter().map(|f| f.code.clone()).collect();
        if !result.errors.is_empty() {
            self.error = Some(result.errors.join("; "));
        }
        self.result = Some(result.clone());
    }

    /// The job columns of a heavy job's row, from its record (the rest of the row is
    /// written by the executor when it creates the job, in either order).
    pub fn from_job(record: &JobRecord) -> Self {
        let received = Received {
            id: record.job_id.clone(),
            request_id: record.request_id.clone(),
            owner: record
                .owner
                .clone()
                .unwrap_or_else(|| "anonymous".to_owned()),
            source: Source::Rest,
            received_at: parse_time(&record.created_at).unwrap_or_else(now_ms),
            code_sha256: String::new(),
            code: None,
            attempts: None,
            traceparent: None,
        };
        let mut row = Self::new(&received, record.status.into());
        row.tier = Some(Tier::Heavy);
        row.job_id = Some(record.job_id.clone());
        if let Some(result) = &record.result {
            row.fill_from(result);
        }
        row.finished_at = record.finished_at.as_deref().and_then(parse_time);
        row.started_at = match (row.finished_at, row.duration_ms) {
            (Some(finished), Some(ran)) =>
            {
                #[allow(clippy::cast_possible_truncation)]
                Some(finished - ran.max(0.0).round() as i64)
            }
            _ => None,
        };
        row.result_location = record.result_location.clone();
        row.error = record.error.clone().or(row.error);
        row
    }

    /// Whether a text column holds a NUL character, which PostgreSQL cannot store (a
    /// refused program may hold one: that is why it was refused).
    pub fn needs_cleaning(&self) -> bool {
        [&self.code, &self.error, &self.result_location]
            .into_iter()
            .flatten()
            .any(|text| text.contains('\0'))
    }

    /// This row with every NUL in its free-text columns replaced by U+FFFD.
    pub fn cleaned(&self) -> Self {
        let clean = |text: &Option<String>| text.as_ref().map(|t| t.replace('\0', "\u{fffd}"));
        Self {
            code: clean(&self.code),
            error: clean(&self.error),
            result_location: clean(&self.result_location),
            ..self.clone()
        }
    }

    /// The API's view; `full` adds the program and the whole result.
    pub fn to_record(&self, full: bool) -> ExecutionRecord {
        ExecutionRecord {
            request_id: self.request_id.clone(),
            owner: self.owner.clone(),
            source: self.source,
            tier: self.tier,
            tier_reasons: self.tier_reasons.clone(),
            status: self.status,
            received_at: rfc3339(self.received_at),
            started_at: self.started_at.map(rfc3339),
            finished_at: self.finished_at.map(rfc3339),
            duration_ms: self.duration_ms,
            cpu_ms: self.cpu_ms,
            peak_memory_kb: self.peak_memory_kb,
            exit_code: self.exit_code,
            signal: self.signal,
            stdout_bytes: self.stdout_bytes,
            stderr_bytes: self.stderr_bytes,
            stdout_truncated: self.stdout_truncated,
            stderr_truncated: self.stderr_truncated,
            result_location: self.result_location.clone(),
            findings: self.findings.clone(),
            attempts: self.attempts,
            code_sha256: self.code_sha256.clone(),
            code: if full { self.code.clone() } else { None },
            error: self.error.clone(),
            job_id: self.job_id.clone(),
            traceparent: self.traceparent.clone(),
            result: if full { self.result.clone() } else { None },
        }
    }

    /// The job record this row stands for (a heavy job no job service follows any more).
    pub fn to_job(&self) -> Option<JobRecord> {
        let job_id = self.job_id.clone()?;
        let status = match self.status {
            RunStatus::Pending => crate::models::JobStatus::Pending,
            RunStatus::Running => crate::models::JobStatus::Running,
            RunStatus::Succeeded => crate::models::JobStatus::Succeeded,
            RunStatus::Cancelled => crate::models::JobStatus::Cancelled,
            _ => crate::models::JobStatus::Failed,
        };
        Some(JobRecord {
            job_id,
            request_id: self.request_id.clone(),
            owner: Some(self.owner.clone()),
            status,
            created_at: rfc3339(self.received_at),
            finished_at: self.finished_at.map(rfc3339),
            result_location: self.result_location.clone(),
            result: self.result.clone(),
            error: self.error.clone(),
        })
    }
}

impl Row {
    /// The completion event of a finished lightweight run, from its record: the same event
    /// (same `event_id`) however often it is built. `None` for a job (its runner publishes),
    /// a refusal or a run without a result.
    pub fn completion_event(&self) -> Option<CompletionEvent> {
        if self.job_id.is_some() {
            return None;
        }
        let result = self.result.as_ref()?;
        Some(CompletionEvent::of_run(
            Finished {
                job_id: &self.id,
                request_id: &self.request_id,
                owner: Some(&self.owner),
                tier: self.tier.unwrap_or(Tier::Lightweight),
                received_at: Some(self.received_at),
                started_at: self.started_at,
                finished_at: self.finished_at.unwrap_or(self.received_at),
                result_location: Some(format!("/api/v1/executions/{}", self.request_id)),
                traceparent: self.traceparent.clone(),
            },
            result,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_time, rfc3339};

    #[test]
    fn times_round_trip_through_rfc3339() {
        let ms = 1_764_590_400_123;
        assert_eq!(parse_time(&rfc3339(ms)), Some(ms));
        assert_eq!(parse_time("not a time"), None);
    }
}
