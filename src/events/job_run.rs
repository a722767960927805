//! `pyexec job-run` announces its own job's end: the completion event leaves the process
//! (the pod) that did the work, and is kept beside the result once the broker accepted it
//! (`jobs::runner::event_marker`), which tells the executor not to announce it again.

use std::time::Duration;

use crate::config::{EventKind, Settings};
use crate::jobs::runner::{event_marker, RunOutcome};
use crate::models::{CompletionEvent, Finished, Tier};
use crate::storage::Storage;

/// How long the runner tries to publish before it leaves the announcement to the executor.
const PUBLISH_WITHIN: Duration = Duration::from_secs(30);

/// Publishes the job's completion event and keeps it beside the result. Failures are
/// logged: the executor then announces the job from its record.
pub async fn announce(
    settings: &Settings,
    request_id: &str,
    result_key: &str,
    outcome: &RunOutcome,
) {
    let events = settings.events.resolved();
    if events.sink.kind == EventKind::None {
        return;
    }
    let finished = crate::history::now_ms();
    #[allow(clippy::cast_possible_truncation)]
    let ran = outcome.result.duration_ms.max(0.0).round() as i64;
    let event = CompletionEvent::of_run(
        Finished {
            job_id: result_key,
            request_id,
            owner: std::env::var("OWNER").ok().as_deref(),
            tier: Tier::Heavy,
            received_at: None,
            started_at: Some(finished - ran),
            finished_at: finished,
            result_location: Some(outcome.location.clone()),
            traceparent: crate::telemetry::current_traceparent(),
        },
        &outcome.result,
    );
    let published =
        super::sink::publish_now(&events.sink, events.allow_plaintext, &event, PUBLISH_WITHIN)
            .await;
    if let Err(err) = published {
        tracing::error!(error = %crate::telemetry::error_chain(&err), "the job's completion event is not published; the executor announces it");
        return;
    }
    tracing::info!(status = event.status.as_str(), "completion event published");
    let kept = match (
        Storage::from_settings(&settings.storage),
        serde_json::to_vec(&event),
    ) {
        (Ok(storage), Ok(json)) => storage
            .write(&event_marker(result_key), json)
            .await
            .map_err(|e| crate::telemetry::error_chain(&e)),
        (Err(e), _) => Err(crate::telemetry::error_chain(&e)),
        (_, Err(e)) => Err(e.to_string()),
    };
    if let Err(err) = kept {
        tracing::warn!(error = %err, "cannot keep the published event beside the result; the executor may announce the job a second time");
    }
}
