//! The completion event: one per finished request, whatever path it came by (REST, LLM
//! query, event trigger, heavy job), published to `events.sink` with the request id as the
//! partition key. Built here from the result or the job record, so every publisher (the
//! executor, `pyexec job-run`) says the same thing the same way.

use serde::{Deserialize, Serialize};

use super::{ExecutionResult, ExecutionStatus, JobRecord, JobStatus, Tier};

/// How a request ended, as consumers of completion events see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompletionStatus {
    /// The program ran to completion with exit code 0 (a job: it succeeded).
    Succeeded,
    /// The program raised, exited non-zero, ran out of memory or was killed; the sandbox or
    /// the job's runner failed; or the job was cancelled. `detail` says which.
    Failed,
    /// The program ran past its time limit and was killed.
    Timeout,
    /// The validator refused the program: nothing ran.
    Rejected,
}

/// Why a request failed: the message and, for a program's exception, the failing line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionError {
    /// The exception line of the traceback (`ZeroDivisionError: division by zero`), the first
    /// finding of a rejection, or what failed.
    pub message: String,
    /// The line of the program that failed: the innermost frame of the user's code in the
    /// traceback, or the first finding's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// That line's source text, as the traceback shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// One finished request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionEvent {
    /// The same for every copy of this event (a re-publication after a crash carries the
    /// same id): `{job_id}:{finished_at in ms}`. Consumers deduplicate on it.
    pub event_id: String,
    pub request_id: String,
    pub status: CompletionStatus,
    /// The underlying status: a lightweight run's (`ok`, `error`, `timeout`, `memory_limit`,
    /// `killed`, `rejected`, `internal_error`) or a job's (`succeeded`, `failed`,
    /// `cancelled`).
    pub detail: String,
    pub tier: Tier,
    /// The run-history key (for a heavy job, its job id): `job_id_for(owner, request_id)`.
    pub job_id: String,
    /// Who submitted the request (`key:<id>`, `event:<name>`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Where the result is: a heavy job's result folder (as pandas/fsspec opens it), or for a
    /// lightweight run its record, `/api/v1/executions/{request_id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_location: Option<String>,
    /// The program's run time (0 when nothing ran).
    pub duration_ms: f64,
    /// RFC 3339, UTC: when the request arrived (a job: when it was created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    /// RFC 3339, UTC: when the program started (none when nothing ran or it is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// RFC 3339, UTC.
    pub finished_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// For `failed`, `timeout` and `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CompletionError>,
    /// The W3C trace context of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

/// Where completion events go: the events sink's publisher, seen from the layers that
/// finish requests (the executor, the job service). Never blocks: a publisher that cannot
/// keep up counts and drops.
pub trait CompletionSink: Send + Sync {
    fn publish(&self, event: CompletionEvent);
}

impl CompletionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
            Self::Rejected => "rejected",
        }
    }

    pub fn of_run(status: ExecutionStatus) -> Self {
        match status {
            ExecutionStatus::Ok => Self::Succeeded,
            ExecutionStatus::Timeout => Self::Timeout,
            ExecutionStatus::Rejected => Self::Rejected,
            ExecutionStatus::Error
            | ExecutionStatus::MemoryLimit
            | ExecutionStatus::Killed
            | ExecutionStatus::InternalError => Self::Failed,
        }
    }

    /// A finished job's status; its result (when the runner wrote one) tells a timeout or a
    /// rejection from other failures. `None` while the job has not ended.
    pub fn of_job(status: JobStatus, result: Option<&ExecutionResult>) -> Option<Self> {
        match status {
            JobStatus::Pending | JobStatus::Running => None,
            JobStatus::Succeeded => Some(Self::Succeeded),
            JobStatus::Cancelled => Some(Self::Failed),
            JobStatus::Failed => Some(match result.map(|r| r.status) {
                Some(ExecutionStatus::Timeout) => Self::Timeout,
                Some(ExecutionStatus::Rejected) => Self::Rejected,
                _ => Self::Failed,
            }),
        }
    }
}

fn rfc3339(ms: i64) -> String {
    let at =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(at).to_string()
}

fn millis_of(rfc3339: &str) -> Option<i64> {
    let at = humantime::parse_rfc3339_weak(rfc3339).ok()?;
    let since = at.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_millis()).ok()
}

/// What a finished lightweight run or job is, for [`CompletionEvent::new`].
#[derive(Debug, Clone)]
pub struct Finished<'a> {
    pub job_id: &'a str,
    pub request_id: &'a str,
    pub owner: Option<&'a str>,
    pub tier: Tier,
    /// ms since the epoch.
    pub received_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: i64,
    pub result_location: Option<String>,
    pub traceparent: Option<String>,
}

impl CompletionEvent {
    /// The event of a lightweight run (or a job's result) that ended with `result`.
    pub fn of_run(finished: Finished<'_>, result: &ExecutionResult) -> Self {
        let status = CompletionStatus::of_run(result.status);
        let detail = serde_json::to_value(result.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let error = (status != CompletionStatus::Succeeded).then(|| error_of(result));
        Self::build(
            finished,
            status,
            detail,
            result.duration_ms,
            result.exit_code,
            error,
        )
    }

    /// The event of a heavy job that has ended (`None` while it has not).
    pub fn of_job(finished: Finished<'_>, record: &JobRecord) -> Option<Self> {
        let status = CompletionStatus::of_job(record.status, record.result.as_ref())?;
        let detail = match record.status {
            JobStatus::Succeeded => "succeeded",
            JobStatus::Cancelled => "cancelled",
            _ => "failed",
        }
        .to_owned();
        let result = record.result.as_ref();
        let error = match (status, result, &record.error) {
            (CompletionStatus::Succeeded, _, _) => None,
            (_, _, Some(message)) => Some(CompletionError {
                message: message.clone(),
                line: None,
                code: None,
            }),
            (_, Some(result), None) => Some(error_of(result)),
            (_, None, None) => Some(CompletionError {
                message: "the job failed without a result".to_owned(),
                line: None,
                code: None,
            }),
        };
        let duration = result.map_or(0.0, |r| r.duration_ms);
        let exit_code = result.and_then(|r| r.exit_code);
        Some(Self::build(
            finished, status, detail, duration, exit_code, error,
        ))
    }

    /// The event of a request refused before anything ran (an event message dead-lettered
    /// for what it asks: a request id used for another program, limits above the maximums,
    /// code no interpreter takes, heavy code where no jobs run): status `rejected`, detail
    /// `refused`, `why` as its error.
    pub fn refused(finished: Finished<'_>, why: &str) -> Self {
        Self::build(
            finished,
            CompletionStatus::Rejected,
            "refused".to_owned(),
            0.0,
            None,
            Some(CompletionError {
                message: why.to_owned(),
                line: None,
                code: None,
            }),
        )
    }

    fn build(
        finished: Finished<'_>,
        status: CompletionStatus,
        detail: String,
        duration_ms: f64,
        exit_code: Option<i32>,
        error: Option<CompletionError>,
    ) -> Self {
        Self {
            event_id: format!("{}:{}", finished.job_id, finished.finished_at),
            request_id: finished.request_id.to_owned(),
            status,
            detail,
            tier: finished.tier,
            job_id: finished.job_id.to_owned(),
            owner: finished.owner.map(str::to_owned),
            result_location: finished.result_location,
            duration_ms,
            received_at: finished.received_at.map(rfc3339),
            started_at: finished.started_at.map(rfc3339),
            finished_at: rfc3339(finished.finished_at),
            exit_code,
            error,
            traceparent: finished.traceparent,
        }
    }

    /// A job record's finish time in ms (now when it has none).
    pub fn job_finished_ms(record: &JobRecord) -> i64 {
        record
            .finished_at
            .as_deref()
            .and_then(millis_of)
            .unwrap_or_else(now_ms)
    }

    /// A job record's creation time in ms.
    pub fn job_created_ms(record: &JobRecord) -> Option<i64> {
        millis_of(&record.created_at)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The error of a failed, timed-out or rejected result.
fn error_of(result: &ExecutionResult) -> CompletionError {
    if let Some(finding) = result.findings.first() {
        return CompletionError {
            message: format!("{} {}", finding.code, finding.message),
            line: Some(finding.line),
            code: None,
        };
    }
    let (line, code, exception) = failing_line(&result.stderr);
    let message = match (exception, result.status) {
        (Some(text), _) => text,
        (None, ExecutionStatus::Timeout) => "the program ran past its time limit".to_owned(),
        (None, ExecutionStatus::MemoryLimit) => "the program went over its memory limit".to_owned(),
        (None, ExecutionStatus::Killed) => match result.signal {
            Some(signal) => format!("the program was killed by signal {signal}"),
            None => "the program was killed".to_owned(),
        },
        (None, ExecutionStatus::InternalError) => result
            .errors
            .last()
            .cloned()
            .unwrap_or_else(|| "the sandbox failed".to_owned()),
        (None, _) => match result.exit_code {
            Some(code) => format!("the program exited with code {code}"),
            None => "the program failed".to_owned(),
        },
    };
    CompletionError {
        message,
        line,
        code,
    }
}

/// From a Python traceback: the innermost frame's line number and source text, and the
/// exception line (the last line that is not indented). Anything unparsable gives `None`s.
pub fn failing_line(stderr: &str) -> (Option<u32>, Option<String>, Option<String>) {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(start) = lines
        .iter()
        .rposition(|l| l.starts_with("Traceback (most recent call last)"))
    else {
        return (None, None, None);
    };
    let mut line = None;
    let mut code = None;
    let mut exception = None;
    let mut i = start + 1;
    while i < lines.len() {
        let text = lines[i];
        if let Some(frame) = text.trim_start().strip_prefix("File \"") {
            if let Some(number) = frame
                .split(", line ")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok())
            {
                line = Some(number);
                code = lines
                    .get(i + 1)
                    .filter(|next| {
                        next.starts_with("    ") && !next.trim_start().starts_with("File \"")
                    })
                    .map(|next| next.trim().to_owned());
            }
        } else if !text.starts_with(' ') && !text.is_empty() {
            exception = Some(text.chars().take(1000).collect());
        }
        i += 1;
    }
    (line, code, exception)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_line_is_the_innermost_frame() {
        let stderr = "Traceback (most recent call last):\n  File \"<snippet>\", line 4, in <module>\n    f()\n  File \"<snippet>\", line 3, in f\n    return 1/0\nZeroDivisionError: division by zero\n";
        let (line, code, exception) = failing_line(stderr);
        assert_eq!(line, Some(3));
        assert_eq!(code.as_deref(), Some("return 1/0"));
        assert_eq!(
            exception.as_deref(),
            Some("ZeroDivisionError: division by zero")
        );
    }

    #[test]
    fn no_traceback_no_line() {
        assert_eq!(failing_line("just output\n"), (None, None, None));
        assert_eq!(failing_line(""), (None, None, None));
    }

    #[test]
    fn statuses_map_to_four() {
        assert_eq!(
            CompletionStatus::of_run(ExecutionStatus::Ok),
            CompletionStatus::Succeeded
        );
        assert_eq!(
            CompletionStatus::of_run(ExecutionStatus::MemoryLimit),
            CompletionStatus::Failed
        );
        assert_eq!(
            CompletionStatus::of_run(ExecutionStatus::Timeout),
            CompletionStatus::Timeout
        );
        assert_eq!(
            CompletionStatus::of_run(ExecutionStatus::Rejected),
            CompletionStatus::Rejected
        );
        assert_eq!(CompletionStatus::of_job(JobStatus::Running, None), None);
        assert_eq!(
            CompletionStatus::of_job(JobStatus::Cancelled, None),
            Some(CompletionStatus::Failed)
        );
    }
}
