//! `POST /api/v1/files`: a caller's file streamed into storage under its own folder
//! (`uploads/{owner digest}/{file id}`), where only that caller's heavy requests can name it
//! (see [`super::inputs`]). The bytes are written as they arrive, never held whole: the size
//! cap is checked as they come (and before, from `Content-Length`), a client that stops
//! sending for `jobs.inputs.upload_stall_secs` is dropped, and whatever was written of an
//! upload that did not finish (refused, stalled, or its client gone) is deleted. The record
//! beside the bytes (`{file id}.json`: name, size, SHA-256) is written last: an upload
//! without it does not exist for a job.

use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use sha2::Digest as _;

use super::inputs::{new_file_id, record_key, sane_file_name, upload_key};
use super::{now_rfc3339, JobService};
use crate::models::UploadedFile;

/// Uploads written at once by one executor; past this, 429 (each holds a write buffer).
pub const MAX_UPLOADS_AT_ONCE: usize = 16;
/// Uploads one caller may write at once: a few, so that no caller holds every place.
pub const MAX_UPLOADS_PER_CALLER: usize = 4;

/// opendal buffers this much before it writes a part (S3 parts must be at least 5 MiB).
const CHUNK: usize = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    BadName(String),
    #[error("the upload is over the limit of {limit} bytes (jobs.inputs.max_upload_bytes)")]
    TooLarge { limit: u64 },
    #[error("the upload stalled: nothing arrived for {0:?} (jobs.inputs.upload_stall_secs)")]
    Stalled(Duration),
    #[error("the upload could not be read: {0}")]
    Client(String),
    #[error("{MAX_UPLOADS_AT_ONCE} uploads are being written; retry shortly")]
    Busy,
    #[error("you are writing {MAX_UPLOADS_PER_CALLER} uploads already; finish one first")]
    CallerBusy,
    #[error("the upload could not be stored: {0}")]
    Storage(String),
}

impl JobService {
    /// Stores `body` as a new upload of `owner`'s named `name`.
    pub async fn upload<S, E>(
        &self,
        owner: &str,
        name: &str,
        body: S,
    ) -> Result<UploadedFile, UploadError>
    where
        S: Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if !sane_file_name(name) {
            return Err(UploadError::BadName(format!(
                "{:?} cannot name an input file (one plain file name of at most 255 bytes, not starting with '.', no '/' or control characters)",
                name.chars().take(300).collect::<String>()
            )));
        }
        let _place = UploadPlace::take(&self.uploads, owner)?;
        let settings = &self.settings.jobs.inputs;
        let limit = settings.max_upload_bytes;
        let stall = Duration::try_from_secs_f64(settings.upload_stall_secs.max(0.1))
            .unwrap_or(Duration::from_secs(30));
        let file_id = new_file_id();
        let key = upload_key(owner, &file_id);
        let op = self.storage.operator().clone();
        let stored = |e: opendal::Error| UploadError::Storage(e.to_string());
        let writer = op.writer_with(&key).chunk(CHUNK).await.map_err(stored)?;
        // From here on, whatever ends this (a refusal, or the request dropped because its
        // client went away or the server's deadline passed) aborts the write and deletes
        // what was written.
        let mut partial = Partial {
            op: op.clone(),
            key: Some(key.clone()),
            writer: Some(writer),
        };
        let mut hasher = sha2::Sha256::new();
        let mut size: u64 = 0;
        let mut body = body;
        loop {
            let chunk = match tokio::time::timeout(stall, body.next()).await {
                Err(_) => return Err(UploadError::Stalled(stall)),
                Ok(None) => break,
                Ok(Some(Err(err))) => return Err(UploadError::Client(err.to_string())),
                Ok(Some(Ok(chunk))) => chunk,
            };
            size = size.saturating_add(chunk.len() as u64);
            if size > limit {
                return Err(UploadError::TooLarge { limit });
            }
            hasher.update(&chunk);
            let Some(writer) = partial.writer.as_mut() else {
                return Err(UploadError::Storage("the write ended early".to_owned()));
            };
            writer.write(chunk).await.map_err(stored)?;
        }
        if let Some(mut writer) = partial.writer.take() {
            if let Err(err) = writer.close().await {
                partial.writer = Some(writer);
                return Err(stored(err));
            }
        }
        let record = UploadedFile {
            file_id,
            name: name.to_owned(),
            size,
            sha256: crate::history::hex(&hasher.finalize()),
            created_at: now_rfc3339(),
        };
        let json =
            serde_json::to_vec_pretty(&record).map_err(|e| UploadError::Storage(e.to_string()))?;
        op.write(&record_key(&key), json).await.map_err(stored)?;
        partial.key = None;
        tracing::info!(file_id = %record.file_id, size, sha256 = %record.sha256, "upload stored");
        Ok(record)
    }
}

/// Aborts the write (an S3 multipart upload, Azure's uncommitted blocks) and deletes what
/// was written of an upload that did not finish, whichever way it ended (including its
/// request being dropped when the client went away).
struct Partial {
    op: opendal::Operator,
    key: Option<String>,
    writer: Option<opendal::Writer>,
}

impl Drop for Partial {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let op = self.op.clone();
        let writer = self.writer.take();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Some(mut writer) = writer {
                    if let Err(err) = writer.abort().await {
                        tracing::warn!(%key, error = %err, "cannot abort an unfinished upload");
                    }
                }
                if let Err(err) = op.delete(&key).await {
                    tracing::warn!(%key, error = %err, "cannot delete an unfinished upload");
                }
            });
        }
    }
}

/// The uploads being written, in all and by caller.
#[derive(Debug, Default)]
pub struct Uploads {
    open: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

/// One upload's place; dropping it gives the place back.
struct UploadPlace<'a> {
    uploads: &'a Uploads,
    caller: String,
}

impl<'a> UploadPlace<'a> {
    fn take(uploads: &'a Uploads, caller: &str) -> Result<Self, UploadError> {
        let mut open = uploads.open.lock().map_err(|_| UploadError::Busy)?;
        if open.values().sum::<usize>() >= MAX_UPLOADS_AT_ONCE {
            return Err(UploadError::Busy);
        }
        let mine = open.entry(caller.to_owned()).or_default();
        if *mine >= MAX_UPLOADS_PER_CALLER {
            return Err(UploadError::CallerBusy);
        }
        *mine += 1;
        Ok(Self {
            uploads,
            caller: caller.to_owned(),
        })
    }
}

impl Drop for UploadPlace<'_> {
    fn drop(&mut self) {
        if let Ok(mut open) = self.uploads.open.lock() {
            if let Some(count) = open.get_mut(&self.caller) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    open.remove(&self.caller);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_caller_cannot_hold_every_upload_place() {
        let uploads = Uploads::default();
        let mallory: Vec<_> = (0..MAX_UPLOADS_PER_CALLER)
            .map(|_| UploadPlace::take(&uploads, "mallory").expect("a place"))
            .collect();
        assert!(matches!(
            UploadPlace::take(&uploads, "mallory"),
            Err(UploadError::CallerBusy)
        ));
        let alice = UploadPlace::take(&uploads, "alice").expect("others still upload");
        drop(mallory);
        drop(alice);
        let all: Vec<_> = (0..MAX_UPLOADS_AT_ONCE)
            .map(|i| UploadPlace::take(&uploads, &format!("c{i}")).expect("a place"))
            .collect();
        assert!(matches!(
            UploadPlace::take(&uploads, "late"),
            Err(UploadError::Busy)
        ));
        drop(all);
        assert!(
            uploads.open.lock().expect("lock").is_empty(),
            "places come back"
        );
    }
}
