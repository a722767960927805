//! The objects of one heavy request, built from typed structs: a `batch/v1` Job running
//! `pyexec job-run`, and the Secret holding its program, mounted read-only into the runner's
//! pod as a file (`CODE_FILE`) whatever its size. What the pod may do is in `security.rs`.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvFromSource, EnvVar, ExecAction, KeyToPath, Lifecycle,
    LifecycleHandler, PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec,
    ResourceRequirements, Secret, SecretEnvSource, SecretVolumeSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::security::{self, ManifestError};
use crate::config::{
    EventsSettings, JobsSettings, LimitSettings, StorageBackend, StorageSettings, TelemetrySettings,
};

/// Everything a Job is made from.
pub struct JobInput<'a> {
    pub job_id: &'a str,
    pub request_id: &'a str,
    /// The W3C trace context of the job's span: the runner continues that trace.
    pub traceparent: Option<&'a str>,
    /// Span export: the runner exports to the executor's collector.
    pub telemetry: &'a TelemetrySettings,
    pub code: &'a str,
    pub limits: &'a LimitSettings,
    pub jobs: &'a JobsSettings,
    pub storage: &'a StorageSettings,
    /// The completion-event sink the runner announces the job's end to (its password comes
    /// from `jobs.storage_secret`).
    pub events: &'a EventsSettings,
    /// The caller that owns the job, for its completion event.
    pub owner: Option<&'a str>,
    /// What the runner stages into its input folder (`INPUTS`), resolved by the executor.
    pub inputs: &'a [crate::jobs::inputs::ResolvedInput],
}

/// Where the runner's work folder (its `/tmp`) is mounted: a size-limited emptyDir.
const WORK_MOUNT: &str = "/tmp";

/// Where the code Secret is mounted, read-only, and the file (the Secret's key) in it.
const CODE_MOUNT: &str = "/var/run/pyexec/code";
pub const CODE_KEY: &str = "code.py";

/// The code file's mode: readable by its owner (root) and the pod's `fsGroup`, the runner's
/// group (0440).
const CODE_MODE: i32 = 0o440;

/// The name of the Secret holding a job's program.
pub fn secret_name(job_id: &str) -> String {
    format!("{job_id}-code")
}

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

/// The Job, and the Secret holding its program (created first; the Job's pod mounts it).
/// Refuses settings with which the Job would lose its results or run weaker than its sandbox
/// needs ([`security::check`]).
pub fn build_job(input: &JobInput<'_>) -> Result<(Job, Secret), ManifestError> {
    let jobs = input.jobs;
    let limits = input.limits;
    security::check(jobs, input.storage)?;
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
    // The pod's own labels first, so that the Job's labels win over a configured one.
    let mut pod_labels = jobs.pod_labels.clone();
    pod_labels.extend(labels.clone());
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
    let secret_name = secret_name(input.job_id);
    let secret = Secret {
        metadata: meta(&secret_name),
        string_data: Some(BTreeMap::from([(
            CODE_KEY.to_owned(),
            input.code.to_owned(),
        )])),
        type_: Some("Opaque".to_owned()),
        // The program of a job never changes; the kubelet need not watch it.
        immutable: Some(true),
        ..Secret::default()
    };
    let mut env = vec![
        plain("CODE_FILE", format!("{CODE_MOUNT}/{CODE_KEY}")),
        plain("REQUEST_ID", input.request_id.to_owned()),
        plain("RESULT_KEY", input.job_id.to_owned()),
        plain("RELAY_OUTPUT", "1".to_owned()),
        plain("TIMEOUT", limits.timeout_secs.to_string()),
        plain("LIMITS", limits_json(limits)),
        plain("TMPDIR", WORK_MOUNT.to_owned()),
    ];
    if let Some(traceparent) = input.traceparent {
        env.push(plain("TRACEPARENT", traceparent.to_owned()));
    }
    if let Some(inputs) = crate::jobs::inputs::to_env(input.inputs) {
        env.push(plain("INPUTS", inputs));
    }
    env.extend(
        telemetry_env(input.telemetry)
            .into_iter()
            .map(|(k, v)| plain(&k, v)),
    );
    env.extend(
        storage_env(input.storage)
            .into_iter()
            .map(|(k, v)| plain(&k, v)),
    );
    if let Some(owner) = input.owner {
        env.push(plain("OWNER", owner.to_owned()));
    }
    env.extend(
        crate::jobs::sink_env(input.events)
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
    let mut mounts = vec![
        VolumeMount {
            name: "work".to_owned(),
            mount_path: WORK_MOUNT.to_owned(),
            ..VolumeMount::default()
        },
        VolumeMount {
            name: "code".to_owned(),
            mount_path: CODE_MOUNT.to_owned(),
            read_only: Some(true),
            ..VolumeMount::default()
        },
    ];
    let mut volumes = vec![
        Volume {
            name: "work".to_owned(),
            empty_dir: Some(EmptyDirVolumeSource {
                size_limit: Some(quantity(format!("{}Mi", limits.disk_mb))),
                medium: None,
            }),
            ..Volume::default()
        },
        Volume {
            name: "code".to_owned(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret_name),
                items: Some(vec![KeyToPath {
                    key: CODE_KEY.to_owned(),
                    path: CODE_KEY.to_owned(),
                    mode: None,
                }]),
                default_mode: Some(CODE_MODE),
                optional: Some(false),
            }),
            ..Volume::default()
        },
    ];
    // `fs` storage lives on a claim mounted where storage.root points, in the pod as in the
    // executor (`security::check` refuses `fs` without one).
    if let (StorageBackend::Fs, Some(claim)) = (input.storage.backend, &jobs.results_volume) {
        mounts.push(VolumeMount {
            name: "results".to_owned(),
            mount_path: input.storage.root.clone(),
            ..VolumeMount::default()
        });
        volumes.push(Volume {
            name: "results".to_owned(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim.clone(),
                read_only: Some(false),
            }),
            ..Volume::default()
        });
    }
    let container = Container {
        name: "runner".to_owned(),
        image: Some(jobs.image.clone()),
        image_pull_policy: Some(jobs.image_pull_policy.clone()),
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
        security_context: Some(security::container_context(jobs)),
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
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    let pod = PodSpec {
        restart_policy: Some("Never".to_owned()),
        // The runner needs no API access; a workload identity webhook projects its own token.
        automount_service_account_token: Some(false),
        service_account_name: Some(jobs.service_account.clone()),
        host_users: Some(jobs.host_users),
        runtime_class_name: jobs.runtime_class_name.clone(),
        termination_grace_period_seconds: Some(30),
        security_context: Some(security::pod_context(jobs)),
        containers: vec![container],
        volumes: Some(volumes),
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
                    labels: Some(pod_labels),
                    annotations: Some(annotations.clone()),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..JobSpec::default()
        }),
        status: None,
    };
    Ok((job, secret))
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
/// The runner's span export: the executor's collector and protocol, when it exports.
fn telemetry_env(telemetry: &TelemetrySettings) -> Vec<(String, String)> {
    let Some(endpoint) = &telemetry.otlp_endpoint else {
        return Vec::new();
    };
    let protocol = serde_json::to_value(telemetry.otlp_protocol)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    vec![
        (
            "PYEXEC_TELEMETRY__OTLP_ENDPOINT".to_owned(),
            endpoint.clone(),
        ),
        ("PYEXEC_TELEMETRY__OTLP_PROTOCOL".to_owned(), protocol),
    ]
}

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
