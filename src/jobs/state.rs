//! The local backend's job state on disk, so that jobs outlive the executor that started
//! them: `{jobs.state_dir}/jobs/{job_id}/` holds `record.json` (a [`StoredJob`]), `code.py`
//! (the program, which the runner reads through `CODE_FILE`) and `runner.log` (the runner's
//! standard error). Every folder is 0700 and every file 0600, owned by the executor's user,
//! which the runner runs as.
//!
//! `record.json` is replaced atomically (a temporary file, flushed, renamed over it), so a
//! reader (or the next instance after a crash) sees the previous record or the new one,
//! never half of one.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::process::ProcessId;
use super::JobsError;
use crate::models::{JobRecord, ResourceLimits};

/// A job as the state folder keeps it: what `GET /api/v1/jobs/{id}` shows, and what the next
/// instance needs to start it or to follow its runner.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredJob {
    pub record: JobRecord,
    /// The request's own limits, given to the runner as `LIMITS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceLimits>,
    /// The resolved timeout, given to the runner as `TIMEOUT`.
    pub timeout_secs: f64,
    /// The runner process, once it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<RunnerProcess>,
    /// The trace of the request that created the job, which its runner continues (also
    /// when the next instance starts it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The inputs its runner stages (`INPUTS`), resolved when the job was created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<super::inputs::ResolvedInput>,
}

/// The `pyexec job-run` process of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerProcess {
    #[serde(flatten)]
    pub process: ProcessId,
    /// When it started, in milliseconds since the Unix epoch (for the hang backstop).
    pub started_at_ms: u64,
}

/// The `jobs/` folder of `jobs.state_dir`.
#[derive(Debug, Clone)]
pub struct StateDir {
    jobs: PathBuf,
}

/// Whether `id` can be a job id made by [`super::job_id`], and so a folder name here.
pub fn is_job_id(id: &str) -> bool {
    id.starts_with("pyexec-")
        && id.len() <= 63
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> JobsError + '_ {
    move |source| JobsError::State {
        path: path.to_owned(),
        source,
    }
}

impl StateDir {
    /// Opens (creating it when missing) the state folder `root`, which must be absolute.
    pub fn open(root: &Path) -> Result<Self, JobsError> {
        let jobs = root.join("jobs");
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&jobs)
            .map_err(io_error(&jobs))?;
        Ok(Self { jobs })
    }

    fn dir(&self, job_id: &str) -> PathBuf {
        self.jobs.join(job_id)
    }

    pub fn code_file(&self, job_id: &str) -> PathBuf {
        self.dir(job_id).join("code.py")
    }

    pub fn log_file(&self, job_id: &str) -> PathBuf {
        self.dir(job_id).join("runner.log")
    }

    fn record_file(&self, job_id: &str) -> PathBuf {
        self.dir(job_id).join("record.json")
    }

    /// Writes a new job's folder: its program, then its record (the record last, so that a
    /// record on disk always has its program).
    pub fn create(&self, job: &StoredJob, code: &str) -> Result<(), JobsError> {
        let dir = self.dir(&job.record.job_id);
        DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .or_else(|e| match e.kind() {
                // A folder left by a crash between this step and the record: reuse it.
                std::io::ErrorKind::AlreadyExists => Ok(()),
                _ => Err(e),
            })
            .map_err(io_error(&dir))?;
        write_atomically(&self.code_file(&job.record.job_id), code.as_bytes())?;
        self.write(job)
    }

    /// Replaces a job's record atomically.
    pub fn write(&self, job: &StoredJob) -> Result<(), JobsError> {
        let path = self.record_file(&job.record.job_id);
        let json = serde_json::to_vec_pretty(job).map_err(|e| JobsError::State {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        write_atomically(&path, &json)
    }

    /// A job's record, if there is a readable one. `job_id` may come from a URL: anything
    /// that is not a job id is not looked up.
    pub fn read(&self, job_id: &str) -> Option<StoredJob> {
        if !is_job_id(job_id) {
            return None;
        }
        let path = self.record_file(job_id);
        let bytes = fs::read(&path).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(job) => Some(job),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %crate::telemetry::error_chain(&err), "unreadable job record; ignored");
                None
            }
        }
    }

    /// Every readable record, oldest first.
    pub fn list(&self) -> Vec<StoredJob> {
        let Ok(entries) = fs::read_dir(&self.jobs) else {
            return Vec::new();
        };
        let mut jobs: Vec<StoredJob> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter_map(|name| self.read(&name))
            .collect();
        jobs.sort_by(|a, b| a.record.created_at.cmp(&b.record.created_at));
        jobs
    }

    /// Removes a finished job's program; its record and log stay.
    pub fn remove_code(&self, job_id: &str) {
        let path = self.code_file(job_id);
        if let Err(err) = fs::remove_file(&path) {
            if err.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %path.display(), error = %crate::telemetry::error_chain(&err), "cannot remove the job's program");
            }
        }
    }

    /// The last non-empty line of a job's runner log, shortened, to say why a runner failed.
    pub fn last_log_line(&self, job_id: &str) -> Option<String> {
        let text = fs::read_to_string(self.log_file(job_id)).ok()?;
        let line = text.lines().rev().find(|l| !l.trim().is_empty())?.trim();
        Some(line.chars().take(300).collect())
    }
}

/// Writes `path` through a temporary file in the same folder, flushed to disk and renamed
/// over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), JobsError> {
    let temporary = path.with_extension("tmp");
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(io_error(&temporary))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io_error(&temporary))?;
    drop(file);
    fs::rename(&temporary, path).map_err(io_error(path))?;
    // The rename itself reaches the disk with its folder.
    if let Some(dir) = path.parent() {
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::{is_job_id, RunnerProcess, StateDir, StoredJob};
    use crate::jobs::process::ProcessId;
    use crate::models::{JobRecord, JobStatus};

    fn job(id: &str) -> StoredJob {
        StoredJob {
            record: JobRecord {
                job_id: id.to_owned(),
                request_id: "r-1".to_owned(),
                owner: None,
                status: JobStatus::Pending,
                created_at: "2026-12-01T00:00:00.000Z".to_owned(),
                finished_at: None,
                result_location: None,
                result: None,
                error: None,
            },
            limits: None,
            timeout_secs: 60.0,
            runner: None,
            traceparent: None,
            inputs: Vec::new(),
        }
    }

    #[test]
    fn records_are_replaced_whole_and_read_back_and_files_are_private() {
        let root = tempfile::tempdir().expect("tempdir");
        let state = StateDir::open(root.path()).expect("opens");
        let mut stored = job("pyexec-r-1-0000abcd");
        state.create(&stored, "print(1)\n").expect("created");
        let code = state.code_file("pyexec-r-1-0000abcd");
        assert_eq!(std::fs::read_to_string(&code).expect("code"), "print(1)\n");
        let mode = std::fs::metadata(&code).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        stored.record.status = JobStatus::Running;
        stored.runner = Some(RunnerProcess {
            process: ProcessId {
                pid: 42,
                start_time: 7,
            },
            started_at_ms: 1,
        });
        state.write(&stored).expect("written");
        let read = state.read("pyexec-r-1-0000abcd").expect("read");
        assert_eq!(read.record.status, JobStatus::Running);
        assert_eq!(read.runner, stored.runner);
        assert_eq!(state.list().len(), 1);
        let leftovers: Vec<_> = std::fs::read_dir(root.path().join("jobs/pyexec-r-1-0000abcd"))
            .expect("dir")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
            .collect();
        assert!(leftovers.is_empty());
        state.remove_code("pyexec-r-1-0000abcd");
        assert!(!code.exists());
    }

    #[test]
    fn only_job_ids_are_looked_up() {
        let root = tempfile::tempdir().expect("tempdir");
        let state = StateDir::open(root.path()).expect("opens");
        assert!(is_job_id("pyexec-a-1"));
        for id in ["../jobs", "pyexec-../x", "Pyexec-a", "pyexec-a/b", ""] {
            assert!(!is_job_id(id), "{id}");
            assert!(state.read(id).is_none());
        }
    }
}
