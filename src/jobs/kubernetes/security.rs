//! What the Job's pod may do, and the settings refused before any Job is built.
//!
//! The runner's sandbox makes nested user, mount, PID, network, IPC and UTS namespaces,
//! landlocks itself and installs its own seccomp filter. Inside a pod that takes:
//! - a user namespace of the pod's own (`hostUsers: false`): root in it maps to an
//!   unprivileged host uid, and the nested namespaces hang below it;
//! - a seccomp profile that allows `unshare`, `mount`, `pivot_root` and the landlock calls
//!   (`RuntimeDefault` refuses them): the `Localhost` profile generated from the sandbox's
//!   own policy (`manifests/seccomp/`);
//! - an unmasked procfs (`procMount: Unmasked`, allowed only with `hostUsers: false`): the
//!   heavy sandbox mounts a procfs of its own PID namespace, which the kernel allows only
//!   while a fully visible procfs is mounted.
//!
//! Everything else stays shut: never privileged, non-root, no privilege escalation, every
//! capability dropped, read-only root file system. A missing piece makes the runner fail
//! closed, naming the layer it could not set up; nothing runs weaker.

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Capabilities, PodSecurityContext, SeccompProfile, SecurityContext,
};

use crate::config::{JobsSettings, StorageBackend, StorageSettings};

/// A setting that would make the Job lose its results or run with less than its sandbox
/// needs; each names the setting.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "storage.backend = \"fs\" with the Kubernetes job backend writes results into the Job's pod, where they die with it: set jobs.results_volume (a PersistentVolumeClaim mounted at storage.root) or use storage.backend = \"azblob\" or \"s3\""
    )]
    FsWithoutVolume,
    #[error(
        "storage.root {root:?} must be an absolute path when jobs.results_volume mounts it in the Job's pod"
    )]
    RelativeRoot { root: String },
    #[error(
        "jobs.seccomp_profile = {value:?} is refused: the Job's pod must run under a seccomp filter (\"RuntimeDefault\" or the path of a Localhost profile, e.g. \"pyexec/sandbox.json\")"
    )]
    Unconfined { value: String },
    #[error("jobs.{key} = {value:?} is refused: the runner never runs as root")]
    RootUid { key: &'static str, value: i64 },
    #[error("jobs.{key} must not be empty")]
    Empty { key: &'static str },
    #[error("jobs.image_pull_policy = {value:?} is not Always, IfNotPresent or Never")]
    PullPolicy { value: String },
}

/// Refuses settings with which a Job would lose its results or be built weaker than asked.
pub fn check(jobs: &JobsSettings, storage: &StorageSettings) -> Result<(), ManifestError> {
    if storage.backend == StorageBackend::Fs {
        if jobs.results_volume.is_none() {
            return Err(ManifestError::FsWithoutVolume);
        }
        if !storage.root.starts_with('/') {
            return Err(ManifestError::RelativeRoot {
                root: storage.root.clone(),
            });
        }
    }
    let seccomp = jobs.seccomp_profile.trim();
    if seccomp.is_empty() {
        return Err(ManifestError::Empty {
            key: "seccomp_profile",
        });
    }
    if seccomp.eq_ignore_ascii_case("unconfined") {
        return Err(ManifestError::Unconfined {
            value: jobs.seccomp_profile.clone(),
        });
    }
    if jobs.run_as_uid <= 0 {
        return Err(ManifestError::RootUid {
            key: "run_as_uid",
            value: jobs.run_as_uid,
        });
    }
    if !["Always", "IfNotPresent", "Never"].contains(&jobs.image_pull_policy.as_str()) {
        return Err(ManifestError::PullPolicy {
            value: jobs.image_pull_policy.clone(),
        });
    }
    if jobs.service_account.trim().is_empty() {
        return Err(ManifestError::Empty {
            key: "service_account",
        });
    }
    Ok(())
}

/// The pod's seccomp profile from `jobs.seccomp_profile` (checked by [`check`]).
fn seccomp(jobs: &JobsSettings) -> SeccompProfile {
    let value = jobs.seccomp_profile.trim();
    if value == "RuntimeDefault" {
        SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            localhost_profile: None,
        }
    } else {
        SeccompProfile {
            type_: "Localhost".to_owned(),
            localhost_profile: Some(value.to_owned()),
        }
    }
}

/// The pod's security context: non-root with a fixed uid, its group owning the mounted
/// code file, and the seccomp profile.
pub fn pod_context(jobs: &JobsSettings) -> PodSecurityContext {
    let uid = jobs.run_as_uid;
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        fs_group: Some(uid),
        seccomp_profile: Some(seccomp(jobs)),
        app_armor_profile: jobs.apparmor_profile.as_ref().map(|name| AppArmorProfile {
            type_: "Localhost".to_owned(),
            localhost_profile: Some(name.clone()),
        }),
        ..PodSecurityContext::default()
    }
}

/// The runner container's security context.
pub fn container_context(jobs: &JobsSettings) -> SecurityContext {
    let uid = jobs.run_as_uid;
    SecurityContext {
        privileged: Some(false),
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_owned()]),
            add: None,
        }),
        seccomp_profile: Some(seccomp(jobs)),
        // The heavy sandbox mounts a procfs for its own PID namespace; the kernel allows it
        // only while a fully visible one is mounted. Unmasked is allowed (and safe: the pod's
        // root is an unprivileged host uid) only in a pod with a user namespace of its own.
        proc_mount: (!jobs.host_users).then(|| "Unmasked".to_owned()),
        ..SecurityContext::default()
    }
}
