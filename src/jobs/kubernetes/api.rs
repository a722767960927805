//! The Kubernetes API calls of a heavy job: create its Secret and Job (retried with backoff on
//! API failures; 409 means they exist), give the Secret to the Job so that it goes when the
//! Job does, and follow the Job through the watch API until it succeeds or fails.

use std::time::Duration;

use futures_util::TryStreamExt as _;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::ResourceExt as _;

use crate::models::JobStatus;

/// Why a Job could not be created or followed; each names the Job.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error("creating the Job {name} failed")]
    Create {
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("reading the Job {name}")]
    Read {
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("watching the Job {name}")]
    Watch {
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("watching the Job {name}: {message}")]
    WatchStatus { name: String, message: String },
    #[error("the Job {name} was deleted before it finished")]
    Deleted { name: String },
    #[error("listing the heavy-job Jobs")]
    List(#[source] kube::Error),
    #[error("deleting the Job {name}")]
    Delete {
        name: String,
        #[source]
        source: kube::Error,
    },
}

/// The label selector of every heavy-job Job pyexec creates.
pub const JOB_SELECTOR: &str =
    "app.kubernetes.io/name=pyexec,app.kubernetes.io/component=heavy-job";

/// Every heavy-job Job in `namespace` (found by label).
pub async fn list(client: &kube::Client, namespace: &str) -> Result<Vec<Job>, KubeError> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let params = kube::api::ListParams::default().labels(JOB_SELECTOR);
    jobs.list(&params)
        .await
        .map(|list| list.items)
        .map_err(KubeError::List)
}

/// Deletes the Job `name` and its pods (background propagation); a Job already gone is
/// not an error.
pub async fn delete(client: &kube::Client, namespace: &str, name: &str) -> Result<(), KubeError> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let params = kube::api::DeleteParams::background();
    match jobs.delete(name, &params).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(source) => Err(KubeError::Delete {
            name: name.to_owned(),
            source,
        }),
    }
}

/// Where a Job is, from its status.
pub fn status_of(job: &Job) -> JobStatus {
    let Some(status) = &job.status else {
        return JobStatus::Pending;
    };
    let condition = |kind: &str| {
        status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == kind && c.status == "True")
    };
    if condition("Complete") || status.succeeded.unwrap_or(0) > 0 {
        JobStatus::Succeeded
    } else if condition("Failed") {
        JobStatus::Failed
    } else if status.active.unwrap_or(0) > 0 || status.ready.unwrap_or(0) > 0 {
        JobStatus::Running
    } else {
        JobStatus::Pending
    }
}

/// A failed Job's reason, from its `Failed` condition.
pub fn failure_of(job: &Job) -> Option<String> {
    job.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Failed" && c.status == "True")
        .map(|c| {
            format!(
                "{}: {}",
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default()
            )
        })
}

fn retryable(err: &kube::Error) -> bool {
    match err {
        kube::Error::Api(status) => status.code >= 500 || status.code == 429,
        _ => true,
    }
}

/// Creates the Secret, then the Job, retrying API failures with backoff. `Ok(false)` when a
/// Job of that name already exists: it is not created twice. Either way the Secret is then
/// owned by the Job, so that the garbage collector removes it with the Job.
pub async fn create(
    client: &kube::Client,
    namespace: &str,
    job: &Job,
    secret: &Secret,
    retries: u32,
) -> Result<bool, KubeError> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let mut attempt = 0;
    let (created, job) = loop {
        let outcome = async {
            // The Secret first: the Job's pod cannot start without it.
            match secrets.create(&PostParams::default(), secret).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 409 => {}
                Err(err) => return Err(err),
            }
            match jobs.create(&PostParams::default(), job).await {
                Ok(created) => Ok((true, created)),
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    Ok((false, jobs.get(&job.name_any()).await?))
                }
                Err(err) => Err(err),
            }
        }
        .await;
        match outcome {
            Ok(done) => break done,
            Err(err) if retryable(&err) && attempt < retries => {
                attempt += 1;
                let wait = Duration::from_millis(500) * 2u32.pow(attempt - 1);
                tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %crate::telemetry::error_chain(&err), "Kubernetes API call failed; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(source) => {
                return Err(KubeError::Create {
                    name: job.name_any(),
                    source,
                })
            }
        }
    };
    if let Err(err) = own(&secrets, &secret.name_any(), &job).await {
        // The job runs all the same; only the Secret outlives it.
        tracing::warn!(error = %crate::telemetry::error_chain(&err), secret = %secret.name_any(), "cannot make the Job the owner of its code Secret; it stays after the Job");
    }
    Ok(created)
}

/// Makes `job` the owner of the Secret `name`.
async fn own(secrets: &Api<Secret>, name: &str, job: &Job) -> Result<(), kube::Error> {
    let uid = job.uid().unwrap_or_default();
    let patch = serde_json::json!({"metadata": {"ownerReferences": [{
        "apiVersion": "batch/v1", "kind": "Job", "name": job.name_any(), "uid": uid,
    }]}});
    secrets
        .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map(|_| ())
}

/// Follows the Job through the watch API, calling `update` on every change, until it
/// succeeds or fails (or is deleted). Re-watches when the server ends the stream.
pub async fn follow(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    mut update: impl FnMut(&Job),
) -> Result<Job, KubeError> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let read = |source| KubeError::Read {
        name: name.to_owned(),
        source,
    };
    let watch = |source| KubeError::Watch {
        name: name.to_owned(),
        source,
    };
    let mut current = jobs.get(name).await.map_err(read)?;
    update(&current);
    loop {
        if status_of(&current).is_done() {
            return Ok(current);
        }
        let version = current
            .metadata
            .resource_version
            .clone()
            .unwrap_or_else(|| "0".to_owned());
        let params = WatchParams::default()
            .fields(&format!("metadata.name={name}"))
            .timeout(290);
        let stream = jobs.watch(&params, &version).await.map_err(watch)?;
        futures_util::pin_mut!(stream);
        while let Some(event) = stream.try_next().await.map_err(watch)? {
            match event {
                WatchEvent::Added(job) | WatchEvent::Modified(job) => {
                    update(&job);
                    current = job;
                    if status_of(&current).is_done() {
                        return Ok(current);
                    }
                }
                WatchEvent::Deleted(_) => {
                    return Err(KubeError::Deleted {
                        name: name.to_owned(),
                    })
                }
                WatchEvent::Bookmark(bookmark) => {
                    current.metadata.resource_version = Some(bookmark.metadata.resource_version);
                }
                WatchEvent::Error(status) if status.code == 410 => {
                    // Too old a version: start again from the Job as it is now.
                    current = jobs.get(name).await.map_err(read)?;
                    update(&current);
                    break;
                }
                WatchEvent::Error(status) => {
                    return Err(KubeError::WatchStatus {
                        name: name.to_owned(),
                        message: status.message,
                    })
                }
            }
        }
    }
}
