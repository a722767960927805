//! The Kubernetes backend: one `batch/v1` Job per heavy request, built from typed structs,
//! created through the API server (retried with backoff on API failures; 409 means the job
//! exists) and followed through the watch API until it succeeds or fails.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::TryStreamExt as _;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource, ExecAction,
    Lifecycle, LifecycleHandler, PodSecurityContext, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, Secret, SecretEnvSource, SecretKeySelector,
    SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams, WatchEvent, WatchParams};

use crate::config::{JobsSettings, LimitSettings, StorageSettings};
use crate::models::JobStatus;

/// Everything a Job is made from.
pub struct JobInput<'a> {
    pub job_id: &'a str,
    pub request_id: &'a str,
    pub code: &'a str,
    pub limits: &'a LimitSettings,
    pub jobs: &'a JobsSettings,
    pub storage: &'a StorageSettings,
}

/// Where the runner's work folder (its `/tmp`) is mounted: a size-limited emptyDir.
const WORK_MOUNT: &str = "/tmp";

/// A label value (at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends).
fn label_value(text: &str) -> String {
    let mut value: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    value.truncate(63);
    value
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned()
}

/// The Job, and the Secret holding the code when it is too big for the environment.
pub fn build_job(input: &JobInput<'_>) -> (Job, Option<Secret>) {
    let jobs = input.jobs;
    let limits = input.limits;
    let labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), "pyexec".to_owned()),
        (
            "app.kubernetes.io/component".to_owned(),
            "heavy-job".to_owned(),
        ),
        (
            "pyexec.dev/request-id".to_owned(),
            label_value(input.request_id),
        ),
    ]);
    let annotations = BTreeMap::from([(
        "pyexec.dev/request-id".to_owned(),
        input.request_id.to_owned(),
    )]);
    let meta = |name: &str| ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(jobs.namespace.clone()),
        labels: Some(labels.clone()),
        annotations: Some(annotations.clone()),
        ..ObjectMeta::default()
    };
    let plain = |name: &str, value: String| EnvVar {
        name: name.to_owned(),
        value: Some(value),
        value_from: None,
    };
    let secret_name = format!("{}-code", input.job_id);
    let (code_env, secret) = if input.code.len() <= jobs.env_code_limit_bytes {
        (plain("CODE", input.code.to_owned()), None)
    } else {
        let secret = Secret {
            metadata: meta(&secret_name),
            string_data: Some(BTreeMap::from([("code".to_owned(), input.code.to_owned())])),
            type_: Some("Opaque".to_owned()),
            ..Secret::default()
        };
        let env = EnvVar {
            name: "CODE".to_owned(),
            value: None,
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secret_name.clone(),
                    key: "code".to_owned(),
                    optional: Some(false),
                }),
                ..EnvVarSource::default()
            }),
        };
        (env, Some(secret))
    };
    let mut env = vec![
        code_env,
        plain("REQUEST_ID", input.request_id.to_owned()),
        plain("TIMEOUT", limits.timeout_secs.to_string()),
        plain("LIMITS", limits_json(limits)),
        plain("TMPDIR", WORK_MOUNT.to_owned()),
    ];
    env.extend(
        storage_env(input.storage)
            .into_iter()
            .map(|(k, v)| plain(&k, v)),
    );
    let quantity = |text: String| Quantity(text);
    let resources = BTreeMap::from([
        (
            "cpu".to_owned(),
            quantity(format!("{}m", (limits.cpus * 1000.0).round() as u64)),
        ),
        (
            "memory".to_owned(),
            quantity(format!("{}Mi", limits.memory_mb)),
        ),
    ]);
    let uid = jobs.run_as_uid;
    let container = Container {
        name: "runner".to_owned(),
        image: Some(jobs.image.clone()),
        args: Some(vec!["job-run".to_owned()]),
        env: Some(env),
        env_from: jobs.storage_secret.as_ref().map(|name| {
            vec![EnvFromSource {
                secret_ref: Some(SecretEnvSource {
                    name: name.clone(),
                    optional: Some(false),
                }),
                ..EnvFromSource::default()
            }]
        }),
        resources: Some(ResourceRequirements {
            requests: Some(resources.clone()),
            limits: Some(resources),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            run_as_user: Some(uid),
            run_as_group: Some(uid),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_owned()]),
                add: None,
            }),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                localhost_profile: None,
            }),
            ..SecurityContext::default()
        }),
        // Give the runner a moment to finish writing its results before SIGTERM.
        lifecycle: Some(Lifecycle {
            pre_stop: Some(LifecycleHandler {
                exec: Some(ExecAction {
                    command: Some(vec!["/bin/sleep".to_owned(), "5".to_owned()]),
                }),
                ..LifecycleHandler::default()
            }),
            ..Lifecycle::default()
        }),
        volume_mounts: Some(vec![VolumeMount {
            name: "work".to_owned(),
            mount_path: WORK_MOUNT.to_owned(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    };
    let pod = PodSpec {
        restart_policy: Some("Never".to_owned()),
        automount_service_account_token: Some(false),
        runtime_class_name: jobs.runtime_class_name.clone(),
        termination_grace_period_seconds: Some(30),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(uid),
            run_as_group: Some(uid),
            fs_group: Some(uid),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                localhost_profile: None,
            }),
            ..PodSecurityContext::default()
        }),
        containers: vec![container],
        volumes: Some(vec![Volume {
            name: "work".to_owned(),
            empty_dir: Some(EmptyDirVolumeSource {
                size_limit: Some(quantity(format!("{}Mi", limits.disk_mb))),
                medium: None,
            }),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    };
    // The runner's own timeout plus room to start the pod and write the results.
    let deadline = limits.timeout_secs.ceil() as i64 + 120;
    let job = Job {
        metadata: meta(input.job_id),
        spec: Some(JobSpec {
            backoff_limit: Some(jobs.backoff_limit),
            active_deadline_seconds: Some(deadline),
            ttl_seconds_after_finished: Some(jobs.ttl_seconds_after_finished),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels.clone()),
                    annotations: Some(annotations.clone()),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..JobSpec::default()
        }),
        status: None,
    };
    (job, secret)
}

fn limits_json(limits: &LimitSettings) -> String {
    serde_json::json!({
        "timeout_secs": limits.timeout_secs,
        "memory_mb": limits.memory_mb,
        "cpus": limits.cpus,
        "max_pids": limits.max_pids,
        "max_output_bytes": limits.max_output_bytes,
        "disk_mb": limits.disk_mb,
    })
    .to_string()
}

/// The storage settings the runner needs, without secrets (those come from
/// `jobs.storage_secret`, a Secret of `PYEXEC_STORAGE__*` or cloud SDK variables).
fn storage_env(storage: &StorageSettings) -> Vec<(String, String)> {
    let mut env = vec![(
        "PYEXEC_STORAGE__BACKEND".to_owned(),
        serde_json::to_value(storage.backend)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    )];
    env.push(("PYEXEC_STORAGE__ROOT".to_owned(), storage.root.clone()));
    for (key, value) in [
        ("CONTAINER", &storage.container),
        ("ENDPOINT", &storage.endpoint),
        ("ACCOUNT_NAME", &storage.account_name),
        ("REGION", &storage.region),
        ("ACCESS_KEY_ID", &storage.access_key_id),
    ] {
        if let Some(value) = value {
            env.push((format!("PYEXEC_STORAGE__{key}"), value.clone()));
        }
    }
    env
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

/// Creates the Job (and its Secret), retrying API failures with backoff. `Ok(false)` when a
/// Job of that name already exists: it is not created twice.
pub async fn create(
    client: &kube::Client,
    namespace: &str,
    job: &Job,
    secret: Option<&Secret>,
    retries: u32,
) -> Result<bool, String> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let mut attempt = 0;
    loop {
        let outcome = async {
            if let Some(secret) = secret {
                match secrets.create(&PostParams::default(), secret).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(status)) if status.code == 409 => {}
                    Err(err) => return Err(err),
                }
            }
            jobs.create(&PostParams::default(), job).await.map(|_| ())
        }
        .await;
        match outcome {
            Ok(()) => return Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => return Ok(false),
            Err(err) if retryable(&err) && attempt < retries => {
                attempt += 1;
                let wait = Duration::from_millis(500) * 2u32.pow(attempt - 1);
                tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %err, "Kubernetes API call failed; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(err) => return Err(format!("creating the Job failed: {err}")),
        }
    }
}

/// Follows the Job through the watch API, calling `update` on every change, until it
/// succeeds or fails (or is deleted). Re-watches when the server ends the stream.
pub async fn follow(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    mut update: impl FnMut(&Job),
) -> Result<Job, String> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let mut current = jobs
        .get(name)
        .await
        .map_err(|e| format!("reading the Job: {e}"))?;
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
        let stream = jobs
            .watch(&params, &version)
            .await
            .map_err(|e| format!("watching the Job: {e}"))?;
        futures_util::pin_mut!(stream);
        while let Some(event) = stream
            .try_next()
            .await
            .map_err(|e| format!("watching the Job: {e}"))?
        {
            match event {
                WatchEvent::Added(job) | WatchEvent::Modified(job) => {
                    update(&job);
                    current = job;
                    if status_of(&current).is_done() {
                        return Ok(current);
                    }
                }
                WatchEvent::Deleted(_) => {
                    return Err("the Job was deleted before it finished".to_owned())
                }
                WatchEvent::Bookmark(bookmark) => {
                    current.metadata.resource_version = Some(bookmark.metadata.resource_version);
                }
                WatchEvent::Error(status) if status.code == 410 => {
                    // Too old a version: start again from the Job as it is now.
                    current = jobs
                        .get(name)
                        .await
                        .map_err(|e| format!("reading the Job: {e}"))?;
                    update(&current);
                    break;
                }
                WatchEvent::Error(status) => {
                    return Err(format!("watching the Job: {}", status.message))
                }
            }
        }
    }
}
