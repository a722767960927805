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
        let _permit = self.uploads.try_acquire().map_err(|_| UploadError::Busy)?;
        let settings = &self.settings.jobs.inputs;
        let limit = settings.max_upload_bytes;
        let stall = Duration::try_from_secs_f64(settings.upload_stall_secs.max(0.1))
            .unwrap_or(Duration::from_secs(30));
        let file_id = new_file_id();
        let key = upload_key(owner, &file_id);
        let op = self.storage.operator().clone();
        let mut partial = Partial {
            op: op.clone(),
            key: Some(key.clone()),
        };
        let stored = |e: opendal::Error| UploadError::Storage(e.to_string());
        let mut writer = op.writer_with(&key).chunk(CHUNK).await.map_err(stored)?;
        let mut hasher = sha2::Sha256::new();
        let mut size: u64 = 0;
        let mut body = body;
        let outcome: Result<(), UploadError> = async {
            loop {
                let chunk = match tokio::time::timeout(stall, body.next()).await {
                    Err(_) => return Err(UploadError::Stalled(stall)),
                    Ok(None) => return Ok(()),
                    Ok(Some(Err(err))) => return Err(UploadError::Client(err.to_string())),
                    Ok(Some(Ok(chunk))) => chunk,
                };
                size = size.saturating_add(chunk.len() as u64);
                if size > limit {
                    return Err(UploadError::TooLarge { limit });
                }
                hasher.update(&chunk);
                writer.write(chunk).await.map_err(stored)?;
            }
        }
        .await;
        if let Err(err) = outcome {
            let _ = writer.abort().await;
            return Err(err);
        }
        writer.close().await.map_err(stored)?;
        let record = UploadedFile {
            file_id,
            name: name.to_owned(),
            size,
            sha256: super::inputs::hex(&hasher.finalize()),
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

/// Deletes what was written of an upload that did not finish, whichever way it ended
/// (including its request being dropped when the client went away).
struct Partial {
    op: opendal::Operator,
    key: Option<String>,
}

impl Drop for Partial {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let op = self.op.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(err) = op.delete(&key).await {
                    tracing::warn!(%key, error = %err, "cannot delete an unfinished upload");
                }
            });
        }
    }
}
