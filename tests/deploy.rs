//! The deployment: the pod-level seccomp profile, the rendered kustomize overlays, and
//! `pyexec job-run` under a heavy Job's pod settings (its uid, the seccomp profile, no
//! writable cgroup unless one is delegated): it runs with every layer or fails closed naming
//! the missing one. The image itself is built and smoke-tested by scripts/deploy-check.sh.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn profile() -> Value {
    let text = std::fs::read_to_string(repo().join("manifests/seccomp/pyexec-sandbox.json"))
        .expect("the profile");
    serde_json::from_str(&text).expect("JSON")
}

fn allowed(profile: &Value) -> BTreeSet<String> {
    let rules = profile["syscalls"].as_array().expect("syscalls");
    assert_eq!(rules.len(), 1, "one allow rule: {profile}");
    assert_eq!(rules[0]["action"], "SCMP_ACT_ALLOW");
    rules[0]["names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| n.as_str().expect("a name").to_owned())
        .collect()
}

#[test]
fn the_pod_seccomp_profile_is_generated_from_the_sandbox_policy_and_allows_only_its_needs() {
    let check = Command::new("python3")
        .arg(repo().join("scripts/seccomp-profile.py"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let profile = profile();
    assert_eq!(profile["defaultAction"], "SCMP_ACT_ERRNO");
    assert_eq!(
        profile["defaultErrnoRet"], 38,
        "ENOSYS, as the child policy"
    );
    assert_eq!(profile["architectures"], json!(["SCMP_ARCH_X86_64"]));
    let names = allowed(&profile);
    let child: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("roles/executor/seccomp.json")).expect("policy"),
    )
    .expect("JSON");
    for rule in child["child"]["filter"].as_array().expect("filter") {
        let name = rule["syscall"].as_str().expect("syscall");
        assert!(
            names.contains(name),
            "{name} of the child policy is missing"
        );
    }
    // What the slots need and RuntimeDefault refuses.
    for needed in [
        "unshare",
        "mount",
        "umount2",
        "pivot_root",
        "sethostname",
        "landlock_create_ruleset",
        "landlock_add_rule",
        "landlock_restrict_self",
        "capset",
        "execve",
    ] {
        assert!(names.contains(needed), "{needed} is needed by the sandbox");
    }
    for never in [
        "bpf",
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "setns",
        "kexec_load",
        "init_module",
        "finit_module",
        "delete_module",
        "keyctl",
        "add_key",
        "request_key",
        "open_by_handle_at",
        "userfaultfd",
        "perf_event_open",
        "io_uring_setup",
        "fsopen",
        "move_mount",
        "open_tree",
        "chroot",
        "reboot",
        "swapon",
        "memfd_create",
        "vfork",
    ] {
        assert!(!names.contains(never), "{never} must not be allowed");
    }
}

/// `kubectl kustomize DIR` as text, and its objects as JSON (through PyYAML).
fn render(overlay: &str) -> (String, Vec<Value>) {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(repo().join("manifests").join(overlay))
        .output()
        .expect("kubectl runs (FIELD-NOTES: installed on these machines)");
    assert!(
        output.status.success(),
        "kubectl kustomize {overlay}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let mut python = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    {
        use std::io::Write as _;
        let mut stdin = python.stdin.take().expect("stdin");
        stdin.write_all(text.as_bytes()).expect("write");
    }
    let output = python.wait_with_output().expect("python3");
    assert!(output.status.success(), "PyYAML could not read {overlay}");
    let objects: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    (text, objects)
}

/// Every pod template of `objects` with the object's name.
fn pods(objects: &[Value]) -> Vec<(String, &Value)> {
    objects
        .iter()
        .filter(|o| o["spec"]["template"]["spec"].is_object())
        .map(|o| {
            (
                o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                &o["spec"]["template"]["spec"],
            )
        })
        .collect()
}

/// The pod rules of the issue, on every pod the manifests make.
fn assert_pod_is_locked_down(name: &str, pod: &Value) {
    let context = &pod["securityContext"];
    assert_eq!(context["runAsNonRoot"], true, "{name}");
    assert!(
        context["runAsUser"].as_i64().is_some_and(|u| u > 0),
        "{name}"
    );
    assert!(
        pod["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .all(|v| v.get("hostPath").is_none()),
        "{name}: no hostPath"
    );
    assert!(
        pod.get("hostNetwork").is_none() && pod.get("hostPID").is_none(),
        "{name}"
    );
    for container in pod["containers"].as_array().expect("containers") {
        let security = &container["securityContext"];
        assert_eq!(security["privileged"], false, "{name}");
        assert_eq!(security["allowPrivilegeEscalation"], false, "{name}");
        assert_eq!(security["readOnlyRootFilesystem"], true, "{name}");
        assert_eq!(security["runAsNonRoot"], true, "{name}");
        assert_eq!(security["capabilities"]["drop"], json!(["ALL"]), "{name}");
        assert!(security["capabilities"].get("add").is_none(), "{name}");
        assert!(
            container["resources"]["limits"]["memory"].is_string()
                && container["resources"]["requests"]["cpu"].is_string(),
            "{name}: requests and limits"
        );
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            assert!(container[probe].is_object(), "{name}: {probe}");
        }
    }
}

/// A pod that runs sandboxes: its own user namespace and the Localhost seccomp profile.
fn assert_pod_runs_sandboxes(name: &str, pod: &Value) {
    assert_eq!(pod["hostUsers"], false, "{name}");
    let seccomp = &pod["securityContext"]["seccompProfile"];
    assert_eq!(seccomp["type"], "Localhost", "{name}");
    assert_eq!(seccomp["localhostProfile"], "pyexec/sandbox.json", "{name}");
}

fn kinds(objects: &[Value]) -> BTreeSet<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap_or_default(),
                o["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn the_base_has_every_object_of_the_issue_and_locks_every_pod_down() {
    let (text, objects) = render("base");
    let names = kinds(&objects);
    for expected in [
        "Namespace/pyexec",
        "ServiceAccount/pyexec-llm",
        "ServiceAccount/pyexec-executor",
        "ServiceAccount/pyexec-job",
        "Role/pyexec-executor",
        "RoleBinding/pyexec-executor",
        "ConfigMap/pyexec-llm",
        "ConfigMap/pyexec-executor",
        "Deployment/pyexec-llm",
        "Deployment/pyexec-executor",
        "Service/pyexec-llm",
        "Service/pyexec-executor",
        "HorizontalPodAutoscaler/pyexec-executor",
        "PodDisruptionBudget/pyexec-llm",
        "PodDisruptionBudget/pyexec-executor",
        "NetworkPolicy/default-deny",
        "NetworkPolicy/allow-dns",
        "NetworkPolicy/llm",
        "NetworkPolicy/executor",
        "NetworkPolicy/heavy-job",
    ] {
        assert!(
            names.contains(expected),
            "{expected} missing from {names:?}"
        );
    }
    for object in &objects {
        let labels = &object["metadata"]["labels"];
        assert_eq!(labels["app.kubernetes.io/part-of"], "pyexec", "{object}");
        assert_eq!(labels["app.kubernetes.io/name"], "pyexec", "{object}");
        if object["kind"] != "Namespace" {
            assert_eq!(object["metadata"]["namespace"], "pyexec", "{object}");
        }
    }
    let find = |kind: &str, name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind}/{name}"))
    };
    assert_eq!(find("Deployment", "pyexec-llm")["spec"]["replicas"], 3);
    assert_eq!(find("Deployment", "pyexec-executor")["spec"]["replicas"], 5);
    let hpa = &find("HorizontalPodAutoscaler", "pyexec-executor")["spec"];
    assert_eq!(
        (hpa["minReplicas"].clone(), hpa["maxReplicas"].clone()),
        (json!(3), json!(20))
    );
    assert_eq!(
        hpa["metrics"][0]["resource"]["target"]["averageUtilization"],
        70
    );
    // Only the executor may touch Jobs, and only Jobs and their code Secrets.
    let rules = &find("Role", "pyexec-executor")["rules"];
    assert_eq!(rules[0]["resources"], json!(["jobs"]));
    assert_eq!(
        rules[0]["verbs"],
        json!(["create", "get", "list", "watch", "delete"])
    );
    assert_eq!(rules[1]["resources"], json!(["secrets"]));
    assert_eq!(rules.as_array().map(Vec::len), Some(2));
    let binding = find("RoleBinding", "pyexec-executor");
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": "pyexec-executor", "namespace": "pyexec"}])
    );
    // Default deny, both ways.
    let deny = &find("NetworkPolicy", "default-deny")["spec"];
    assert_eq!(deny["podSelector"], json!({}));
    assert_eq!(deny["policyTypes"], json!(["Ingress", "Egress"]));
    assert!(deny.get("ingress").is_none() && deny.get("egress").is_none());
    for (name, pod) in pods(&objects) {
        assert_pod_is_locked_down(&name, pod);
        if name == "pyexec-executor" {
            assert_pod_runs_sandboxes(&name, pod);
            assert_eq!(pod["serviceAccountName"], "pyexec-executor");
        } else {
            assert_eq!(pod["automountServiceAccountToken"], false, "{name}");
        }
    }
    insta::assert_snapshot!("overlay_base", text);
}

#[test]
fn the_dev_overlay_is_one_all_in_one_pod_with_results_on_a_claim() {
    let (text, objects) = render("overlays/dev");
    let pods = pods(&objects);
    assert_eq!(pods.len(), 1, "one workload: {:?}", kinds(&objects));
    let (name, pod) = &pods[0];
    assert_pod_is_locked_down(name, pod);
    assert_pod_runs_sandboxes(name, pod);
    let container = &pod["containers"][0];
    assert_eq!(
        container["args"],
        json!([
            "serve",
            "--role",
            "all",
            "--config",
            "/etc/pyexec/config.toml"
        ])
    );
    // Local heavy jobs mount a procfs of their own: unmasked, which needs hostUsers: false.
    assert_eq!(container["securityContext"]["procMount"], "Unmasked");
    let data = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == "data")
        .expect("the data volume");
    assert_eq!(
        data["persistentVolumeClaim"]["claimName"],
        "pyexec-dev-data"
    );
    let config = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "pyexec-all")
        .expect("config");
    let toml = config["data"]["config.toml"].as_str().expect("config.toml");
    assert!(
        toml.contains("backend = \"fs\"") && toml.contains("root = \"/var/lib/pyexec/results\"")
    );
    insta::assert_snapshot!("overlay_dev", text);
}

#[test]
fn the_azure_overlay_uses_workload_identity_and_no_keys() {
    let (text, objects) = render("overlays/azure");
    for account in ["pyexec-executor", "pyexec-job"] {
        let sa = objects
            .iter()
            .find(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == account)
            .expect("account");
        assert!(
            sa["metadata"]["annotations"]["azure.workload.identity/client-id"].is_string(),
            "{sa}"
        );
    }
    for (name, pod) in pods(&objects) {
        assert_pod_is_locked_down(&name, pod);
    }
    let config = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "pyexec-executor")
        .expect("config");
    let toml = config["data"]["config.toml"].as_str().expect("config.toml");
    assert!(toml.contains("backend = \"azblob\""), "{toml}");
    assert!(
        toml.contains("\"azure.workload.identity/use\" = \"true\""),
        "{toml}"
    );
    for secret in [
        "account_key",
        "AccountKey",
        "secret_access_key",
        "SharedAccessKey",
    ] {
        assert!(!text.contains(secret), "{secret} in the azure overlay");
    }
    insta::assert_snapshot!("overlay_azure", text);
}

// ---------------------------------------------------------------------------------------------
// `pyexec job-run` under a heavy Job's pod settings.

/// The uid heavy Jobs run as (jobs.run_as_uid, the image's user), when the tests run as root;
/// otherwise the tests' own uid, which is as unprivileged.
fn pod_uid() -> u32 {
    if nix::unistd::Uid::effective().is_root() {
        10001
    } else {
        nix::unistd::Uid::effective().as_raw()
    }
}

/// The generated Localhost profile as a seccompiler filter, minus `refused` (what
/// RuntimeDefault would refuse, for the failing case).
fn pod_filter(refused: &[&str]) -> seccompiler::BpfProgram {
    let names: Vec<Value> = allowed(&profile())
        .into_iter()
        .filter(|n| !refused.contains(&n.as_str()))
        .map(|n| json!({"syscall": n}))
        .collect();
    let policy = json!({"pod": {
        "mismatch_action": {"errno": 38},
        "match_action": "allow",
        "filter": names,
    }});
    let arch = seccompiler::TargetArch::try_from(std::env::consts::ARCH).expect("arch");
    let mut filters =
        seccompiler::compile_from_json(policy.to_string().as_bytes(), arch).expect("compiles");
    filters.remove("pod").expect("the pod filter")
}

/// A folder the pod's uid owns (the emptyDir of a pod), holding the program, the results and
/// the runner's temporary files.
struct PodFolder {
    dir: tempfile::TempDir,
}

impl PodFolder {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["tmp", "results"] {
            std::fs::create_dir(dir.path().join(sub)).expect("mkdir");
        }
        std::fs::write(
            dir.path().join("code.py"),
            "import pandas as pd\nprint(pd.DataFrame({'k': [1, 1, 2], 'v': [3, 4, 5]}).groupby('k')['v'].sum().to_dict())\n",
        )
        .expect("write");
        let uid = pod_uid();
        for path in ["", "tmp", "results", "code.py"] {
            std::os::unix::fs::chown(dir.path().join(path), Some(uid), Some(uid)).expect("chown");
        }
        Self { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }
}

/// `pyexec job-run` as the pod's uid, under `filter`, with `env`.
fn job_run(folder: &PodFolder, filter: seccompiler::BpfProgram, env: &[(&str, String)]) -> Output {
    in_pod(folder, filter, &["job-run"], env, None)
}

/// `pyexec ARGS` as the pod's uid, under `filter` (after no_new_privs, as
/// allowPrivilegeEscalation: false gives), with `env` and `stdin`.
fn in_pod(
    folder: &PodFolder,
    filter: seccompiler::BpfProgram,
    args: &[&str],
    env: &[(&str, String)],
    stdin: Option<&str>,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pyexec"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PYEXEC_") {
            command.env_remove(key);
        }
    }
    command
        .args(args)
        .current_dir(folder.path(""))
        .env("CODE_FILE", folder.path("code.py"))
        .env("REQUEST_ID", "pod-settings")
        .env("TIMEOUT", "120")
        .env("TMPDIR", folder.path("tmp"))
        .env("PYEXEC_LOG__LEVEL", "warn")
        .env("PYEXEC_STORAGE__ROOT", folder.path("results"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    if nix::unistd::Uid::effective().is_root() {
        // std drops the supplementary groups when a root parent sets the uid.
        command.uid(pod_uid()).gid(pod_uid());
    }
    // SAFETY: runs in the forked child before exec (after the uid change); it only calls
    // prctl and seccomp through seccompiler on a program built before the fork: no
    // allocation, no lock.
    unsafe {
        command.pre_exec(move || {
            seccompiler::apply_filter(&filter).map_err(|e| std::io::Error::other(e.to_string()))
        });
    }
    let Some(input) = stdin else {
        return command.output().expect("pyexec starts");
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pyexec starts");
    {
        use std::io::Write as _;
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write the program");
    }
    child.wait_with_output().expect("pyexec")
}

/// A cgroup v1 subtree (memory, pids, cpu) delegated to the pod's uid, as a runtime that
/// delegates would give it, seen through a folder that `executor.sandbox.cgroup_root` can
/// name; removed on drop. `None` where it cannot be made here (not root, or cgroup v2).
struct Delegated {
    root: tempfile::TempDir,
    dirs: Vec<PathBuf>,
}

impl Delegated {
    fn new() -> Option<Self> {
        let mount = Path::new("/sys/fs/cgroup");
        if !nix::unistd::Uid::effective().is_root() || mount.join("cgroup.controllers").exists() {
            return None;
        }
        let root = tempfile::tempdir().expect("tempdir");
        let mut dirs = Vec::new();
        for controller in ["memory", "pids", "cpu"] {
            let dir = mount
                .join(controller)
                .join(format!("pyexec-deploy-test-{}", std::process::id()));
            std::fs::create_dir_all(&dir).ok()?;
            // What delegation hands over: the folder and the files that move processes.
            for path in [dir.clone(), dir.join("cgroup.procs"), dir.join("tasks")] {
                std::os::unix::fs::chown(&path, Some(pod_uid()), Some(pod_uid())).ok()?;
            }
            std::os::unix::fs::symlink(&dir, root.path().join(controller)).expect("symlink");
            dirs.push(dir);
        }
        Some(Self { root, dirs })
    }
}

impl Drop for Delegated {
    fn drop(&mut self) {
        for dir in &self.dirs {
            // The executor removes its own folders; what is left is empty.
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.flatten().filter(|e| e.path().is_dir()) {
                    let _ = std::fs::remove_dir(entry.path());
                }
            }
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The heavy runtime must be installed (scripts/setup-heavy-runtime.sh, run by test.sh).
fn heavy_runtime() -> bool {
    Path::new("/opt/pyexec/heavy/site-packages/pandas").is_dir()
}

#[test]
fn job_run_under_the_pod_settings_without_a_writable_cgroup_fails_closed_naming_it() {
    assert!(heavy_runtime(), "run scripts/setup-heavy-runtime.sh first");
    let folder = PodFolder::new();
    let output = job_run(&folder, pod_filter(&[]), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("layer `cgroup` is missing"), "{text}");
    // Nothing ran: no result was written.
    assert!(!folder.path("results/results").exists(), "{text}");
}

#[test]
fn job_run_under_runtime_default_like_seccomp_fails_closed_naming_the_namespaces() {
    assert!(heavy_runtime(), "run scripts/setup-heavy-runtime.sh first");
    let folder = PodFolder::new();
    // RuntimeDefault refuses these to a process without CAP_SYS_ADMIN.
    let refused = ["unshare", "mount", "umount2", "pivot_root", "setns"];
    let output = job_run(&folder, pod_filter(&refused), &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("layer `namespaces` is missing"), "{text}");
    assert!(text.contains("Localhost profile"), "{text}");
    assert!(!folder.path("results/results").exists(), "{text}");
}

#[test]
fn job_run_under_the_pod_settings_with_a_delegated_cgroup_runs_with_every_layer() {
    assert!(heavy_runtime(), "run scripts/setup-heavy-runtime.sh first");
    let Some(delegated) = Delegated::new() else {
        eprintln!(
            "SKIPPED: a delegated cgroup is made here only as root on a cgroup v1 host; the fail-closed cases above still ran"
        );
        return;
    };
    let folder = PodFolder::new();
    let output = job_run(
        &folder,
        pod_filter(&[]),
        &[(
            "PYEXEC_EXECUTOR__SANDBOX__CGROUP_ROOT",
            delegated.root.path().display().to_string(),
        )],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let result: Value = serde_json::from_slice(&output.stdout).expect("result JSON");
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["stdout"], "{1: 7, 2: 5}\n", "{result}");
    let layers: BTreeSet<&str> = result["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for layer in [
        "validator",
        "namespaces",
        "readonly_runtime",
        "output_folder",
        "rlimits",
        "landlock",
        "no_new_privs",
        "capabilities_dropped",
        "seccomp",
        "cgroup",
        "guards",
    ] {
        assert!(layers.contains(layer), "{layer} missing from {layers:?}");
    }
    assert!(folder
        .path("results/results/pod-settings/result.json")
        .is_file());

    // The executor's path too: a lightweight program through the warm pool.
    let cgroup_root = [(
        "PYEXEC_EXECUTOR__SANDBOX__CGROUP_ROOT",
        delegated.root.path().display().to_string(),
    )];
    let output = in_pod(
        &folder,
        pod_filter(&[]),
        &["exec", "--format", "json", "-"],
        &cgroup_root,
        Some("import math\nprint(math.factorial(10))\n"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let result: Value = serde_json::from_slice(&output.stdout).expect("result JSON");
    assert_eq!(result["stdout"], "3628800\n", "{result}");
    for layer in [
        "namespaces",
        "tmpfs_workdir",
        "landlock",
        "seccomp",
        "cgroup",
        "guards",
    ] {
        assert!(
            result["layers"]
                .as_array()
                .expect("layers")
                .iter()
                .any(|l| l == layer),
            "{layer} missing: {result}"
        );
    }
}
