//! What happens to one message: read as a `CodeExecutionRequest`, submitted through THE
//! request path ([`Executor::submit`], `Route::Classify`, `Source::Event`) as the events
//! caller, and settled by the outcome:
//!
//! - done (a result of any status, timeouts and program errors included, or a durable heavy
//!   job; a resent request id answered from its record): `Done`;
//! - transient (busy, queue timeout, over the caller's limits, shutting down, history
//!   database down, the sandbox or job backend unavailable): retried here with backoff,
//!   `events.source.max_attempts` tries in all, then `Retry` (the broker redelivers);
//! - malformed (oversized, not UTF-8, not JSON, missing fields, no usable request id, code
//!   no interpreter takes, limits above the maximums, a request id used for another
//!   program): `Poison`, logged with the error and its position.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::executor::{Executor, Failure, Origin, Route, Submitted};
use crate::metrics::Metrics;
use crate::models::{sane_request_id, Caller, CodeExecutionRequest, ExecutionError, Source};

use super::source::{Incoming, Settlement};

#[derive(Clone)]
pub struct Consumer {
    pub executor: Arc<dyn AsRef<Executor> + Send + Sync>,
    pub caller: Caller,
    pub max_message_bytes: usize,
    pub max_attempts: u32,
    pub retry_backoff: Duration,
    pub metrics: Option<Arc<Metrics>>,
}

/// What a submission's failure means for its message.
enum Verdict {
    Transient(String),
    Poison(String),
}

impl Consumer {
    /// Handles messages until the source closes the channel: each on a task of its own (the
    /// source bounds how many are in flight).
    pub async fn run(self, mut deliveries: tokio::sync::mpsc::Receiver<Incoming>) {
        let mut tasks = tokio::task::JoinSet::new();
        while let Some(incoming) = deliveries.recv().await {
            let me = self.clone();
            tasks.spawn(me.handle(incoming));
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
    }

    async fn handle(self, incoming: Incoming) {
        let started = Instant::now();
        if let (Some(created), Some(metrics)) = (incoming.created_at, &self.metrics) {
            let lag = crate::history::now_ms().saturating_sub(created);
            metrics.event_lag(Duration::from_millis(u64::try_from(lag).unwrap_or(0)));
        }
        let Incoming {
            body,
            message_id,
            correlation_id,
            traceparent,
            position,
            redelivered,
            settle,
            ..
        } = incoming;
        let parsed = parse(
            body,
            message_id.as_deref(),
            correlation_id.as_deref(),
            self.max_message_bytes,
        );
        let (request_id, settlement, outcome) = match parsed {
            Err((request_id, why)) => {
                tracing::error!(
                    request_id = request_id.as_deref().unwrap_or(""),
                    queue = %position.queue,
                    delivery_id = position.sequence,
                    position = %position,
                    error = %why,
                    "event message is malformed: rejected (dead-lettered)"
                );
                if let Some(request_id) = &request_id {
                    self.announce_refused(request_id, &why, traceparent.as_deref());
                }
                (request_id, Settlement::Poison(why), "malformed".to_owned())
            }
            Ok((request, request_id)) => {
                let span = crate::telemetry::event_span(&request_id, traceparent.as_deref());
                let (settlement, outcome) = tracing::Instrument::instrument(
                    self.submit(request, request_id.clone(), redelivered),
                    span,
                )
                .await;
                if let Settlement::Poison(why) = &settlement {
                    tracing::error!(
                        %request_id,
                        queue = %position.queue,
                        delivery_id = position.sequence,
                        error = %why,
                        "event request cannot be processed: rejected (dead-lettered)"
                    );
                    self.announce_refused(&request_id, why, traceparent.as_deref());
                }
                (Some(request_id), settlement, outcome)
            }
        };
        let took = started.elapsed();
        tracing::info!(
            request_id = request_id.as_deref().unwrap_or(""),
            queue = %position.queue,
            partition = position.partition.as_deref().unwrap_or(""),
            delivery_id = position.sequence,
            redelivered,
            settlement = settlement.label(),
            outcome = %outcome,
            duration_ms = took.as_secs_f64() * 1000.0,
            "event message settled"
        );
        if let Some(metrics) = &self.metrics {
            metrics.event_consumed(settlement.label(), took);
        }
        let _ = settle.send(settlement);
    }

    /// A dead-lettered message whose request id is known ends with a `rejected` completion
    /// event, so that whoever sent it hears why (a message without a usable id has no one to
    /// tell: it is only logged).
    fn announce_refused(&self, request_id: &str, why: &str, traceparent: Option<&str>) {
        // The message's trace when it carries a valid one (a new trace when not).
        let _span = crate::telemetry::event_span(request_id, traceparent).entered();
        let now = crate::history::now_ms();
        let event = crate::models::CompletionEvent::refused(
            crate::models::Finished {
                job_id: &crate::jobs::job_id_for(&self.caller.id, request_id),
                request_id,
                owner: Some(&self.caller.id),
                tier: crate::models::Tier::Lightweight,
                received_at: Some(now),
                started_at: None,
                finished_at: now,
                result_location: None,
                traceparent: crate::telemetry::current_traceparent(),
            },
            why,
        );
        (*self.executor).as_ref().announce(Some(event));
    }

    /// Submits with retries; the settlement and what the request became.
    async fn submit(
        &self,
        request: CodeExecutionRequest,
        request_id: String,
        redelivered: bool,
    ) -> (Settlement, String) {
        let received_at = SystemTime::now();
        let mut delay = self.retry_backoff;
        let attempts = self.max_attempts.max(1);
        for attempt in 1..=attempts {
            let mut origin = Origin::new(Source::Event, true);
            origin.received_at = received_at;
            origin.republish = redelivered;
            let outcome = (*self.executor)
                .as_ref()
                .submit(
                    &self.caller,
                    request.clone(),
                    request_id.clone(),
                    Route::Classify,
                    origin,
                )
                .await;
            let failure = match outcome {
                Ok(Submitted::Ran(result)) => {
                    let status = crate::metrics::status_label(result.status);
                    return (Settlement::Done, status.to_owned());
                }
                Ok(Submitted::Job(created)) => {
                    return (Settlement::Done, format!("job {}", created.job_id));
                }
                Err(failure) => failure,
            };
            match verdict(failure) {
                Verdict::Poison(why) => return (Settlement::Poison(why), "refused".to_owned()),
                Verdict::Transient(why) => {
                    let shutting_down = why == "shutdown";
                    if attempt == attempts || shutting_down {
                        tracing::warn!(attempt, error = %why, "event request not done (transient); released for redelivery");
                        return (Settlement::Retry, why);
                    }
                    tracing::info!(attempt, error = %why, retry_in_ms = delay.as_millis() as u64, "event request: transient failure; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
        (Settlement::Retry, "no attempt".to_owned())
    }
}

fn verdict(failure: Failure) -> Verdict {
    match failure {
        Failure::BadRequest(m) | Failure::Conflict(m) => Verdict::Poison(m),
        Failure::NoJobs => {
            Verdict::Poison("heavy code, and this executor runs no heavy jobs".to_owned())
        }
        Failure::Jobs(m) | Failure::History(m) => Verdict::Transient(m),
        Failure::NoHistory => Verdict::Transient("no run history".to_owned()),
        Failure::Execution(err) => match err {
            ExecutionError::ShuttingDown => Verdict::Transient("shutdown".to_owned()),
            ExecutionError::LimitTooHigh { .. } | ExecutionError::LimitInvalid { .. } => {
                Verdict::Poison(err.to_string())
            }
            ExecutionError::Busy { .. }
            | ExecutionError::QueueTimeout { .. }
            | ExecutionError::CallerLimit { .. }
            | ExecutionError::SandboxSetup { .. }
            | ExecutionError::RetriesExhausted { .. } => Verdict::Transient(err.to_string()),
        },
    }
}

/// The request and its id, or (the id if one was found, why it is malformed).
#[allow(clippy::type_complexity)]
fn parse(
    body: Result<Vec<u8>, String>,
    message_id: Option<&str>,
    correlation_id: Option<&str>,
    max_bytes: usize,
) -> Result<(CodeExecutionRequest, String), (Option<String>, String)> {
    let header_id = message_id
        .filter(|id| sane_request_id(id))
        .or(correlation_id.filter(|id| sane_request_id(id)))
        .map(str::to_owned);
    let bytes = body.map_err(|why| (header_id.clone(), why))?;
    if bytes.len() > max_bytes {
        return Err((
            header_id,
            format!(
                "the body is {} bytes; a request is at most {max_bytes} (events.source.max_message_bytes)",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        (
            header_id.clone(),
            format!(
                "the body is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    let request: CodeExecutionRequest = serde_json::from_str(text).map_err(|e| {
        (
            header_id.clone(),
            format!("the body is not a CodeExecutionRequest: {e}"),
        )
    })?;
    let request_id = match &request.request_id {
        Some(id) if sane_request_id(id) => id.clone(),
        Some(id) => {
            return Err((
                header_id,
                format!("request_id {id:?} is not a sane id (1 to 128 of letters, digits, - _ . :, starting with a letter or digit)"),
            ))
        }
        None => header_id.ok_or_else(|| {
            (
                None,
                "no request id: set request_id in the body, or the message-id or correlation-id property (a sane id)".to_owned(),
            )
        })?,
    };
    Ok((request, request_id))
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn body(text: &str) -> Result<Vec<u8>, String> {
        Ok(text.as_bytes().to_vec())
    }

    #[test]
    fn request_id_from_the_body_then_the_message() {
        let (_, id) = parse(
            body(r#"{"code":"print(1)","request_id":"b-1"}"#),
            Some("m-1"),
            None,
            1000,
        )
        .expect("parsed");
        assert_eq!(id, "b-1");
        let (_, id) = parse(
            body(r#"{"code":"print(1)"}"#),
            Some("m-1"),
            Some("c-1"),
            1000,
        )
        .expect("parsed");
        assert_eq!(id, "m-1");
        let (_, id) =
            parse(body(r#"{"code":"print(1)"}"#), None, Some("c-1"), 1000).expect("parsed");
        assert_eq!(id, "c-1");
        let (_, id) = parse(
            body(r#"{"code":"print(1)"}"#),
            Some("../x"),
            Some("c-1"),
            1000,
        )
        .expect("parsed");
        assert_eq!(id, "c-1", "an insane message id is passed over");
    }

    #[test]
    fn malformed_bodies_say_why_and_where() {
        let (_, why) = parse(body(r#"{"code": 1}"#), Some("m"), None, 1000).expect_err("malformed");
        assert!(why.contains("line 1 column"), "{why}");
        let (id, why) =
            parse(body(r#"{"cod":"x"}"#), Some("m"), None, 1000).expect_err("malformed");
        assert_eq!(id.as_deref(), Some("m"));
        assert!(
            why.contains("unknown field") || why.contains("missing field"),
            "{why}"
        );
        let (_, why) = parse(Ok(vec![b'{', 0xff, b'}']), None, None, 1000).expect_err("malformed");
        assert!(why.contains("offset 1"), "{why}");
        let (_, why) = parse(body(&"x".repeat(20)), None, None, 10).expect_err("malformed");
        assert!(why.contains("20 bytes"), "{why}");
        let (id, why) =
            parse(body(r#"{"code":"print(1)"}"#), None, None, 1000).expect_err("malformed");
        assert!(id.is_none() && why.contains("no request id"), "{why}");
        let (_, why) = parse(
            body(r#"{"code":"print(1)","request_id":"../etc"}"#),
            None,
            None,
            1000,
        )
        .expect_err("malformed");
        assert!(why.contains("not a sane id"), "{why}");
    }
}
