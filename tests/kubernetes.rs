//! The Kubernetes job backend against an API server written for the tests
//! (tests/common/fake_kube.rs), on 127.0.0.1, speaking the real HTTP API for `batch/v1` Jobs
//! and core/v1 Secrets. The test plays the cluster: it changes Job status and writes what the
//! runner would have written to storage.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::Duration;

use common::app::{spawn, App, Options, Role, Workspace};
use common::fake_kube::{version_of, FakeApi};
use serde_json::{json, Value};

/// The executor with the Kubernetes job backend, against the API server at `api`.
fn start(api: &str, env: &[(&str, &str)]) -> App {
    start_in(api, env, &Workspace::new())
}

fn start_in(api: &str, env: &[(&str, &str)], workspace: &std::sync::Arc<Workspace>) -> App {
    let kubernetes = [
        ("PYEXEC_JOBS__BACKEND", "kubernetes"),
        ("PYEXEC_JOBS__API_URL", api),
        ("PYEXEC_JOBS__NAMESPACE", "analytics"),
        ("PYEXEC_JOBS__IMAGE", "registry.example/pyexec:1.0"),
        ("PYEXEC_JOBS__RUNTIME_CLASS_NAME", "gvisor"),
        // `fs` storage with this backend: the claim the Job's pod mounts at storage.root
        // (the executor, here the test, reads the same folder).
        ("PYEXEC_JOBS__RESULTS_VOLUME", "pyexec-results"),
    ];
    spawn(
        Role::Executor,
        Options::default()
            .env(&kubernetes)
            .env(env)
            .workspace(workspace),
    )
}

/// The heavy-job endpoints, and the pod's side of a job.
trait Jobs {
    fn create(&self, body: &Value) -> (u16, Value);

    fn job(&self, job_id: &str, wait_secs: u32) -> Value;

    /// Waits (briefly) until the record shows `status`.
    fn wait_status(&self, job_id: &str, status: &str) -> Value;

    /// What the runner in the pod would have written.
    fn write_result(&self, request_id: &str, stdout: &str);
}

impl Jobs for App {
    fn create(&self, body: &Value) -> (u16, Value) {
        self.post("/api/v1/create_heavy_job", body, &[])
    }

    fn job(&self, job_id: &str, wait_secs: u32) -> Value {
        let (status, record) = self.get(&format!("/api/v1/jobs/{job_id}?wait_secs={wait_secs}"));
        assert_eq!(status, 200, "{record}");
        record
    }

    fn wait_status(&self, job_id: &str, status: &str) -> Value {
        common::poll(Duration::from_secs(10), Duration::from_millis(20), || {
            let record = self.job(job_id, 0);
            if record["status"] == status {
                Ok(record)
            } else {
                Err(format!("never {status}: {record}"))
            }
        })
    }

    fn write_result(&self, request_id: &str, stdout: &str) {
        let folder = self.workspace.storage().join("results").join(request_id);
        std::fs::create_dir_all(&folder).expect("folder");
        let result = json!({
            "request_id": request_id, "status": "ok", "exit_code": 0, "signal": null,
            "stdout": stdout, "stderr": "", "stdout_truncated": false, "stderr_truncated": false,
            "duration_ms": 12.5, "cpu_ms": 10.0, "peak_memory_kb": 1024, "layers": ["validator"]
        });
        std::fs::write(folder.join("result.json"), result.to_string()).expect("write");
    }
}

#[test]
fn the_fake_api_replays_the_events_after_a_watchs_resource_version() {
    let api = FakeApi::start();
    let jobs = format!("{}/apis/batch/v1/namespaces/ns/jobs", api.url);
    let created: Value = ureq::post(&jobs)
        .send_json(
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "replayed"}}),
        )
        .expect("create")
        .into_json()
        .expect("JSON");
    let since = version_of(&created);
    api.set_status("replayed", json!({"active": 1}));
    api.delete("replayed");
    // A watch opened after both events, from the version the client read, still sees them.
    let watch = ureq::get(&jobs)
        .query("watch", "true")
        .query("fieldSelector", "metadata.name=replayed")
        .query("resourceVersion", &since.to_string())
        .timeout(Duration::from_secs(5))
        .call()
        .expect("watch");
    let mut lines = BufReader::new(watch.into_reader()).lines();
    let mut next = || -> Value {
        serde_json::from_str(&lines.next().expect("an event").expect("read")).expect("JSON")
    };
    let modified = next();
    assert_eq!(modified["type"], "MODIFIED", "{modified}");
    assert_eq!(modified["object"]["status"]["active"], 1, "{modified}");
    let deleted = next();
    assert_eq!(deleted["type"], "DELETED", "{deleted}");
    assert!(version_of(&deleted["object"]) > version_of(&modified["object"]));
}

/// `object` without what changes from run to run: the fields the API server sets (uid,
/// creationTimestamp, resourceVersion, status) are dropped, and this test's temporary folder
/// reads `[storage root]` wherever it appears.
fn redacted(mut object: Value, storage: &std::path::Path) -> Value {
    fn replace(value: &mut Value, from: &str) {
        match value {
            Value::String(text) if text.contains(from) => {
                *text = text.replace(from, "[storage root]");
            }
            Value::Array(items) => items.iter_mut().for_each(|item| replace(item, from)),
            Value::Object(fields) => fields.values_mut().for_each(|field| replace(field, from)),
            _ => {}
        }
    }
    if let Some(metadata) = object["metadata"].as_object_mut() {
        for field in ["uid", "creationTimestamp", "resourceVersion"] {
            metadata.remove(field);
        }
    }
    if let Some(fields) = object.as_object_mut() {
        fields.remove("status");
    }
    replace(&mut object, &storage.to_string_lossy());
    object
}

fn env_value<'a>(container: &'a Value, name: &str) -> &'a Value {
    container["env"]
        .as_array()
        .expect("env")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in the environment"))
}

/// The Secret the Job's pod mounts its program from, after checking how it is mounted: a
/// read-only volume file named by `CODE_FILE`, never the environment.
fn code_secret(api: &FakeApi, job: &Value) -> Value {
    let pod = &job["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert!(
        container["env"]
            .as_array()
            .expect("env")
            .iter()
            .all(|e| e["name"] != "CODE"),
        "the program is not in the environment"
    );
    let file = env_value(container, "CODE_FILE")["value"]
        .as_str()
        .expect("CODE_FILE");
    let mount = container["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .find(|m| file.starts_with(&format!("{}/", m["mountPath"].as_str().expect("path"))))
        .expect("CODE_FILE is in a mounted volume")
        .clone();
    assert_eq!(mount["readOnly"], true, "{mount}");
    let volume = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("the mount's volume");
    let source = &volume["secret"];
    assert_eq!(source["optional"], false, "{volume}");
    assert_eq!(source["defaultMode"], 0o440, "{volume}");
    let key = source["items"][0]["key"].as_str().expect("key");
    let path = source["items"][0]["path"].as_str().expect("path");
    assert_eq!(
        file,
        format!("{}/{path}", mount["mountPath"].as_str().expect("path"))
    );
    let name = source["secretName"].as_str().expect("secretName");
    let secret = api
        .cluster
        .secrets
        .lock()
        .expect("lock")
        .get(name)
        .cloned()
        .expect("the Secret was created");
    assert!(secret["stringData"][key].is_string(), "{secret}");
    secret
}

/// Waits (briefly) until the Job owns its Secret, so that the Secret goes with it.
fn wait_for_owner(api: &FakeApi, job: &Value) -> Value {
    common::poll(Duration::from_secs(10), Duration::from_millis(20), || {
        let secret = code_secret(api, job);
        if !secret["metadata"]["ownerReferences"].is_array() {
            return Err(format!("the Job never owned {secret}"));
        }
        let owner = &secret["metadata"]["ownerReferences"][0];
        assert_eq!(owner["kind"], "Job", "{secret}");
        assert_eq!(owner["apiVersion"], "batch/v1", "{secret}");
        assert_eq!(owner["name"], job["metadata"]["name"], "{secret}");
        assert_eq!(owner["uid"], job["metadata"]["uid"], "{secret}");
        Ok(secret)
    })
}

/// `kubernetes-validate --strict` (PyPI), installed by scripts/test.sh.
fn validate_strict(object: &Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("object.json");
    std::fs::write(&file, object.to_string()).expect("write");
    let output = Command::new("kubernetes-validate")
        .args(["--strict", "--kubernetes-version", "1.33.0"])
        .arg(&file)
        .output()
        .expect("kubernetes-validate runs (./scripts/test.sh installs it)");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_heavy_request_becomes_one_job_with_every_setting_and_is_followed_to_completion() {
    let api = FakeApi::start();
    // The first create fails like an overloaded API server: it is retried.
    *api.cluster.fail_creates.lock().expect("lock") = 1;
    let service = start(&api.url, &[]);
    let code = "import pandas as pd\nprint(pd.DataFrame({'a': [1, 2]})['a'].sum())\n";
    let (status, created) = service.create(&json!({
        "code": code, "request_id": "Kube:1",
        "limits": {"memory_mb": 3072, "cpus": 1.5, "timeout_secs": 300, "disk_mb": 512}
    }));
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    let job = api.wait_for_job(&job_id);
    assert_eq!(
        *api.cluster.creates.lock().expect("lock"),
        vec![job_id.clone(), job_id.clone()]
    );

    // Every setting, as the issue lists them.
    assert_eq!(job["metadata"]["namespace"], "analytics");
    assert_eq!(job["metadata"]["labels"]["pyexec.dev/request-id"], "Kube-1");
    assert_eq!(
        job["metadata"]["labels"]["app.kubernetes.io/component"],
        "heavy-job"
    );
    assert_eq!(
        job["metadata"]["annotations"]["pyexec.dev/request-id"],
        "Kube:1"
    );
    let spec = &job["spec"];
    assert_eq!(spec["backoffLimit"], 2);
    assert_eq!(
        spec["activeDeadlineSeconds"], 420,
        "timeout 300 s + 120 s to start and report"
    );
    assert_eq!(spec["ttlSecondsAfterFinished"], 3600);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["serviceAccountName"], "pyexec-job", "its own identity");
    assert_eq!(pod["runtimeClassName"], "gvisor");
    // The sandbox's kernel needs: a user namespace of the pod's own, and the Localhost
    // seccomp profile generated from the sandbox's policy.
    assert_eq!(pod["hostUsers"], false);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 10001);
    let localhost = json!({"type": "Localhost", "localhostProfile": "pyexec/sandbox.json"});
    assert_eq!(pod["securityContext"]["seccompProfile"], localhost);
    assert!(pod.get("hostNetwork").is_none() && pod.get("hostPID").is_none());
    assert_eq!(pod["volumes"][0]["emptyDir"]["sizeLimit"], "512Mi");
    assert!(pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .all(|v| v.get("hostPath").is_none()));
    // `fs` results land on the claim, mounted where storage.root points.
    let results = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == "results")
        .expect("the results volume");
    assert_eq!(
        results["persistentVolumeClaim"]["claimName"],
        "pyexec-results"
    );
    let container = &pod["containers"][0];
    assert_eq!(container["image"], "registry.example/pyexec:1.0");
    assert_eq!(container["imagePullPolicy"], "Always");
    assert_eq!(container["args"], json!(["job-run"]));
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
    assert!(security["capabilities"].get("add").is_none());
    assert_eq!(security["privileged"], false);
    assert_eq!(security["seccompProfile"], localhost);
    // The heavy sandbox's own procfs needs an unmasked one (allowed with hostUsers: false).
    assert_eq!(security["procMount"], "Unmasked");
    let results_mount = container["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .find(|m| m["name"] == "results")
        .expect("the results mount");
    assert_eq!(
        results_mount["mountPath"],
        service.workspace.storage().display().to_string()
    );
    assert!(container["lifecycle"]["preStop"]["exec"]["command"].is_array());
    assert_eq!(container["resources"]["limits"]["memory"], "3072Mi");
    assert_eq!(container["resources"]["limits"]["cpu"], "1500m");
    assert_eq!(
        container["resources"]["requests"],
        container["resources"]["limits"]
    );
    assert_eq!(container["volumeMounts"][0]["mountPath"], "/tmp");
    // Small code too travels in the Secret, mounted as a file.
    let secret = wait_for_owner(&api, &job);
    assert_eq!(secret["stringData"]["code.py"], code);
    assert_eq!(secret["immutable"], true);
    assert_eq!(secret["metadata"]["namespace"], "analytics");
    assert_eq!(env_value(container, "REQUEST_ID")["value"], "Kube:1");
    assert_eq!(env_value(container, "TIMEOUT")["value"], "300");
    assert_eq!(
        env_value(container, "PYEXEC_STORAGE__BACKEND")["value"],
        "fs"
    );
    // The runner continues the job's trace (a new one here: the request brought none).
    let traceparent = env_value(container, "TRACEPARENT")["value"]
        .as_str()
        .expect("TRACEPARENT")
        .to_owned();
    let fields: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(fields.len(), 4, "{traceparent}");
    assert!(pyexec::telemetry::is_trace_id(fields[1]), "{traceparent}");
    validate_strict(&job);
    // The whole Job as the backend sent it, settings from the environment as in production:
    // any change to it shows in the snapshot's diff (the trace context differs per request).
    let mut sent = redacted(job.clone(), &service.workspace.storage());
    for var in sent["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array_mut()
        .expect("env")
    {
        if var["name"] == "TRACEPARENT" {
            var["value"] = json!("[per request]");
        }
    }
    insta::assert_json_snapshot!("job_as_sent_by_the_backend", sent);

    // The cluster runs it: the status is followed through the watch API.
    api.set_status(
        &job_id,
        json!({"active": 1, "startTime": "2026-11-23T00:00:01Z"}),
    );
    service.wait_status(&job_id, "running");
    // The runner writes under the job id (RESULT_KEY), never the bare request id: two
    // callers' jobs with one request id never share a folder.
    assert_eq!(env_value(container, "RESULT_KEY")["value"], job_id.as_str());
    service.write_result(&job_id, "3\n");
    api.set_status(&job_id, json!({
        "succeeded": 1, "startTime": "2026-11-23T00:00:01Z", "completionTime": "2026-11-23T00:00:09Z",
        "conditions": [{"type": "Complete", "status": "True"}]
    }));
    let record = service.job(&job_id, 30);
    assert_eq!(record["status"], "succeeded", "{record}");
    assert_eq!(record["result"]["stdout"], "3\n");
    assert!(record["result_location"]
        .as_str()
        .is_some_and(|l| l.ends_with(&format!("results/{job_id}"))));
    assert!(record["finished_at"].as_str().is_some());

    // The same request again: no second Job.
    let (status, again) = service.create(&json!({"code": code, "request_id": "Kube:1"}));
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["job_id"], job_id.as_str());
    assert_eq!(
        api.cluster.creates.lock().expect("lock").len(),
        2,
        "one failed attempt and one Job"
    );
}

#[test]
fn big_code_travels_in_the_secret_too_and_failed_or_deleted_jobs_end_failed() {
    let api = FakeApi::start();
    let service = start(&api.url, &[]);
    // Over the 128 KiB a single environment variable can hold.
    let big = format!(
        "rows = {:?}\nprint(len(rows))\n",
        (0..40_000u32).collect::<Vec<_>>()
    );
    assert!(big.len() > 200 * 1024, "{}", big.len());
    let (status, created) = service.create(&json!({"code": big, "request_id": "big-1"}));
    assert_eq!(status, 202, "{created}");
    let job_id = created["job_id"].as_str().expect("job_id").to_owned();
    let job = api.wait_for_job(&job_id);
    let secret = wait_for_owner(&api, &job);
    assert_eq!(secret["stringData"]["code.py"], big);
    validate_strict(&secret);
    validate_strict(&job);
    // The Job controller gives up: the job ends failed, with the reason.
    api.set_status(&job_id, json!({
        "failed": 3,
        "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]
    }));
    let record = service.job(&job_id, 30);
    assert_eq!(record["status"], "failed", "{record}");
    assert!(
        record["error"]
            .as_str()
            .is_some_and(|e| e.contains("BackoffLimitExceeded")),
        "{record}"
    );

    // A Job deleted under a running request ends failed too, saying so.
    let (_, created) = service.create(&json!({"code": "print(1)", "request_id": "gone-1"}));
    let gone = created["job_id"].as_str().expect("job_id").to_owned();
    api.wait_for_job(&gone);
    // Once the service follows the Job (it read it, then asked to watch from its version),
    // the deletion reaches it whether or not its watch stream is already open: the fake API
    // replays the events after the version it asked for.
    api.wait_for_watch(&gone);
    api.delete(&gone);
    let record = service.job(&gone, 30);
    assert_eq!(record["status"], "failed", "{record}");
    assert!(
        record["error"]
            .as_str()
            .is_some_and(|e| e.contains("deleted")),
        "{record}"
    );
}

#[test]
fn code_the_runner_or_a_secret_cannot_take_is_refused_before_anything_is_created() {
    let api = FakeApi::start();
    let service = start(
        &api.url,
        &[
            ("PYEXEC_VALIDATOR__MAX_SOURCE_BYTES", "4000000"),
            ("PYEXEC_SERVER__MAX_BODY_BYTES", "4000000"),
        ],
    );
    let (status, body) = service.create(&json!({"code": "x = 1\0", "request_id": "nul-1"}));
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("NUL byte at byte offset 5")),
        "{body}"
    );
    // Within validator.max_source_bytes, but more than a Secret holds.
    let huge = format!("# {}\nprint(1)\n", "x".repeat(1_100_000));
    let (status, body) = service.create(&json!({"code": huge, "request_id": "huge-1"}));
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Kubernetes Secret")),
        "{body}"
    );
    assert!(api.cluster.creates.lock().expect("lock").is_empty());
    assert!(api.cluster.secrets.lock().expect("lock").is_empty());
}

/// Built-in defaults, with results in Azure Blob storage through the pod's workload identity
/// (the azure overlay's settings).
fn azure_settings() -> pyexec::config::Settings {
    let mut settings = pyexec::config::Settings::default();
    settings.storage.backend = pyexec::config::StorageBackend::Azblob;
    settings.storage.container = Some("pyexec-results".to_owned());
    settings.storage.account_name = Some("pyexecresults".to_owned());
    settings
        .jobs
        .pod_labels
        .insert("azure.workload.identity/use".to_owned(), "true".to_owned());
    settings
}

fn build(
    settings: &pyexec::config::Settings,
) -> Result<
    (
        k8s_openapi::api::batch::v1::Job,
        k8s_openapi::api::core::v1::Secret,
    ),
    pyexec::jobs::kubernetes::ManifestError,
> {
    use pyexec::jobs::kubernetes::{build_job, JobInput};
    let limits = pyexec::jobs::runner::heavy_limits(settings, None, None).expect("limits");
    let mut telemetry = settings.telemetry.clone();
    telemetry.otlp_endpoint = Some("http://otel-collector:4318".to_owned());
    // The runner announces its end to the completion sink: its settings reach the Job
    // (the password never does: it comes from jobs.storage_secret).
    let mut events = settings.events.clone();
    events.sink.kind = pyexec::config::EventKind::Amqp;
    events.sink.url = "amqps://broker.example:5671".to_owned();
    events.sink.username = Some("pyexec".to_owned());
    events.sink.password = Some(pyexec::config::Secret::new("never-in-the-manifest"));
    build_job(&JobInput {
        inputs: &[],
        job_id: &pyexec::jobs::job_id("snap:1"),
        request_id: "snap:1",
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        telemetry: &telemetry,
        code: "print(1)\n",
        limits: &limits,
        jobs: &settings.jobs,
        storage: &settings.storage,
        events: &events,
        owner: Some("key:snap"),
    })
}

/// The objects as reviewed: any change to them shows in the snapshot's diff.
#[test]
fn the_job_and_its_code_secret_are_as_reviewed() {
    let (job, secret) = build(&azure_settings()).expect("built");
    let pod = serde_json::to_value(&job).expect("JSON")["spec"]["template"].clone();
    assert_eq!(
        pod["metadata"]["labels"]["azure.workload.identity/use"],
        "true"
    );
    assert_eq!(
        pod["metadata"]["labels"]["app.kubernetes.io/component"],
        "heavy-job"
    );
    let objects = json!({"secret": secret, "job": job});
    assert!(
        !objects.to_string().contains("never-in-the-manifest"),
        "the sink's password is not in the Job"
    );
    validate_strict(&objects["job"]);
    insta::assert_json_snapshot!("job_and_code_secret", objects);
}

/// Settings with which a Job would lose its results or run weaker are refused, naming the
/// setting: by the builder, by `pyexec job-manifest`, and at the executor's start-up.
#[test]
fn settings_that_would_lose_results_or_weaken_the_pod_are_refused() {
    use pyexec::jobs::kubernetes::ManifestError;
    // Built-in defaults: `fs` storage, and no volume for it.
    let defaults = pyexec::config::Settings::default();
    let err = build(&defaults).expect_err("fs without a volume");
    assert!(matches!(err, ManifestError::FsWithoutVolume), "{err}");
    assert!(err.to_string().contains("jobs.results_volume"), "{err}");
    let mut relative = defaults.clone();
    relative.jobs.results_volume = Some("claim".to_owned());
    let err = build(&relative).expect_err("a relative root");
    assert!(matches!(err, ManifestError::RelativeRoot { .. }), "{err}");
    let mut on_claim = relative.clone();
    on_claim.storage.root = "/var/lib/pyexec/results".to_owned();
    build(&on_claim).expect("fs on a claim");
    for unconfined in ["Unconfined", "unconfined", ""] {
        let mut settings = azure_settings();
        settings.jobs.seccomp_profile = unconfined.to_owned();
        let err = build(&settings).expect_err(unconfined);
        assert!(err.to_string().contains("jobs.seccomp_profile"), "{err}");
    }
    let mut pull = azure_settings();
    pull.jobs.image_pull_policy = "Sometimes".to_owned();
    assert!(matches!(
        build(&pull).expect_err("a bad pull policy"),
        ManifestError::PullPolicy { .. }
    ));
    let mut root = azure_settings();
    root.jobs.run_as_uid = 0;
    assert!(matches!(
        build(&root).expect_err("root"),
        ManifestError::RootUid { .. }
    ));
    // RuntimeDefault may be asked for (the runner then fails closed, naming the namespaces).
    let mut runtime_default = azure_settings();
    runtime_default.jobs.seccomp_profile = "RuntimeDefault".to_owned();
    let (job, _) = build(&runtime_default).expect("RuntimeDefault");
    let job = serde_json::to_value(&job).expect("JSON");
    assert_eq!(
        job["spec"]["template"]["spec"]["securityContext"]["seccompProfile"],
        json!({"type": "RuntimeDefault"})
    );

    // `pyexec job-manifest` and the executor say the same and stop.
    let clean = |command: &mut Command| {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PYEXEC_") {
                command.env_remove(key);
            }
        }
    };
    let mut manifest = Command::new(env!("CARGO_BIN_EXE_pyexec"));
    clean(&mut manifest);
    let output = manifest
        .args(["job-manifest", "examples/sales.py"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("job-manifest runs");
    let text = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("jobs.results_volume"), "{text}");
    let mut executor = Command::new(env!("CARGO_BIN_EXE_pyexec"));
    clean(&mut executor);
    let output = executor
        .args(["serve", "--role", "executor", "--listen", "127.0.0.1:0"])
        .env("PYEXEC_JOBS__BACKEND", "kubernetes")
        .env("PYEXEC_JOBS__API_URL", "http://127.0.0.1:9")
        .env("PYEXEC_STORAGE__ROOT", "/var/lib/pyexec/results")
        .output()
        .expect("the executor runs");
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("jobs.results_volume"), "{text}");
    assert!(
        String::from_utf8_lossy(&output.stdout).is_empty(),
        "it never listened"
    );
}

#[test]
fn after_a_crash_jobs_in_the_cluster_are_followed_again_and_vanished_ones_end_failed() {
    let api = FakeApi::start();
    let workspace = Workspace::new();
    let settle_at_once = [("PYEXEC_JOBS__RECONCILE_GRACE_SECS", "0")];
    let mut service = start_in(&api.url, &settle_at_once, &workspace);
    let mut job_ids = Vec::new();
    for id in ["follow-me", "vanish", "cancel-me"] {
        let (status, created) = service.create(&json!({"code": "print(1)", "request_id": id}));
        assert_eq!(status, 202, "{created}");
        let job_id = created["job_id"].as_str().expect("job_id").to_owned();
        api.wait_for_job(&job_id);
        api.wait_for_watch(&job_id);
        job_ids.push(job_id);
    }
    // The job rows are written as the jobs progress: wait until the history has them all.
    common::poll(Duration::from_secs(10), Duration::from_millis(20), || {
        let (_, page) = service.get("/api/v1/jobs");
        let n = page["items"].as_array().map_or(0, Vec::len);
        if n == 3 {
            Ok(())
        } else {
            Err(format!("{n} jobs in the history"))
        }
    });
    service.stop_with(nix::sys::signal::Signal::SIGKILL);
    // While no executor runs: one Job is deleted, another one finishes.
    api.delete(&job_ids[1]);
    service.write_result(&job_ids[0], "done while nobody watched\n");
    api.set_status(
        &job_ids[0],
        json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}),
    );
    let service = start_in(&api.url, &settle_at_once, &workspace);
    let done = service.wait_status(&job_ids[0], "succeeded");
    assert_eq!(
        done["result"]["stdout"], "done while nobody watched\n",
        "{done}"
    );
    let vanished = service.wait_status(&job_ids[1], "failed");
    assert!(
        vanished["error"]
            .as_str()
            .is_some_and(|e| e.contains("gone from the cluster")),
        "{vanished}"
    );
    // The third is followed again: cancelling deletes its Job.
    let response = ureq::delete(&service.url(&format!("/api/v1/jobs/{}", job_ids[2])))
        .call()
        .expect("cancel");
    assert_eq!(response.status(), 200);
    let cancelled = service.wait_status(&job_ids[2], "cancelled");
    assert!(api.job(&job_ids[2]).is_none(), "the Job is deleted");
    assert!(
        cancelled["error"]
            .as_str()
            .is_some_and(|e| e.contains("cancelled by")),
        "{cancelled}"
    );
}
