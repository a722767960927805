#!/usr/bin/env bash
# The whole test suite: formatting, lints and every test, after installing and starting what
# the tests need. Safe to run again: each step skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --all-targets --locked -- -D warnings

step "supply chain: cargo deny (deny.toml: licences, banned crates, sources, advisories)"
if ! cargo deny --version >/dev/null 2>&1; then
    cargo install --locked cargo-deny@0.20.2
fi
# Duplicate versions are warnings (deny.toml); the inclusion graphs of those warnings are noise.
cargo deny --locked check --hide-inclusion-graph licenses bans sources
# The advisory database is a git clone of github.com/rustsec/advisory-db: without access to
# GitHub, check against the local copy when there is one, else say clearly that it is skipped.
if fetch_error=$(cargo deny fetch db 2>&1); then
    cargo deny --locked check --hide-inclusion-graph advisories
elif db=$(compgen -G "${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/advisory-db-*/.git"); then
    db_date=$(git -C "${db%%$'\n'*}" log -1 --format=%cs 2>/dev/null || echo "an unknown date")
    echo "advisories: the RustSec database could not be updated; checking against the local copy of $db_date, which may be stale:" >&2
    echo "$fetch_error" | grep -m1 -iE 'fatal|error' >&2 || true
    cargo deny --locked --offline check --hide-inclusion-graph advisories
else
    echo "advisories: SKIPPED: the RustSec database (https://github.com/rustsec/advisory-db) cannot be fetched and there is no local copy:" >&2
    echo "$fetch_error" | grep -m1 -iE 'fatal|error' >&2 || true
fi

step "heavy runtime (data libraries for pyexec job-run)"
./scripts/setup-heavy-runtime.sh

step "object policy tables match the runtimes (scripts/gen-object-policy.py --check)"
/usr/bin/python3 -S scripts/gen-object-policy.py lightweight --check
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="${PYEXEC_JOBS__RUNTIME_DIR:-/opt/pyexec/heavy}/site-packages" \
    /usr/bin/python3 -S scripts/gen-object-policy.py heavy --check

step "PostgreSQL on 127.0.0.1:5432 (tests/history.rs makes a throwaway database per test)"
if ! command -v psql >/dev/null 2>&1 || ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
    sudo_if_needed apt-get install -y --no-install-recommends postgresql postgresql-client >&2
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
pg_isready -h 127.0.0.1 -p 5432 >&2 || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
# The tests connect as postgres without a password (trust on loopback, as on these machines).
psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null || {
    echo "cannot connect to PostgreSQL as postgres on 127.0.0.1 without a password (pg_hba.conf: trust for loopback)" >&2
    exit 1
}

step "storage emulators: Azurite (Blob) and moto (S3) on 127.0.0.1"
work="$PWD/.ci-work"
mkdir -p "$work"
# Emulators this script starts are stopped when it ends; ones already running are left alone.
started=()
trap 'for pid in "${started[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done' EXIT
if [[ ! -x "$work/node_modules/.bin/azurite-blob" ]]; then
    (cd "$work" && npm install --silent --no-audit --no-fund azurite@3.35.0)
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; then
    setsid nohup "$work/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort 10000 \
        --location "$work/azurite" --silent --disableTelemetry --skipApiVersionCheck \
        >"$work/azurite.log" 2>&1 < /dev/null &
    started+=($!)
fi
if ! command -v moto_server >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check 'moto[server]==5.1.*'
    hash -r
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null; then
    setsid nohup moto_server -H 127.0.0.1 -p 9000 >"$work/moto.log" 2>&1 < /dev/null &
    started+=($!)
fi
for port in 10000 9000; do
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
        sleep 0.2
    done
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "nothing listens on 127.0.0.1:$port" >&2; exit 1; }
done
# The reference Prometheus parser that tests/metrics.rs reads /metrics with.
if ! python3 -c 'import prometheus_client' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check 'prometheus-client==0.*'
fi
# tests/deploy.rs reads the rendered manifests with PyYAML.
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check 'PyYAML==6.*'
fi
if ! command -v kubernetes-validate >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check 'kubernetes-validate==1.*'
    hash -r
fi
# tests/eventhubs.rs checks the Event Hubs test double against Microsoft's Python client
# (azure-eventhub, pure-Python AMQP), in a virtual environment of its own.
eventhubs_python="$work/eventhubs-venv/bin/python"
if ! "$eventhubs_python" -c 'import azure.eventhub' >/dev/null 2>&1; then
    if ! python3 -m venv "$work/eventhubs-venv"; then
        sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
        sudo_if_needed apt-get install -y --no-install-recommends python3-venv >&2
        python3 -m venv "$work/eventhubs-venv"
    fi
    "$eventhubs_python" -m pip install --quiet --disable-pip-version-check 'azure-eventhub==5.15.*'
fi
export AZURITE_BLOB_ENDPOINT=http://127.0.0.1:10000/devstoreaccount1
export S3_TEST_ENDPOINT=http://127.0.0.1:9000

step "RabbitMQ with the AMQP 1.0 plugin on 127.0.0.1:5672 (tests/events.rs)"
./scripts/rabbitmq.sh

step "tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --no-fail-fast
    # nextest does not run doctests.
    cargo test --locked --doc
else
    cargo test --locked --no-fail-fast
fi

step "soak (short): mixed, hostile, slow and vanishing clients, then full capacity"
cargo build --locked --quiet
python3 scripts/soak.py --binary "${CARGO_TARGET_DIR:-target}/debug/pyexec" --short

step "API contract: schemathesis against every role's OpenAPI document (bounded)"
./scripts/api-contract.sh "${CARGO_TARGET_DIR:-target}/debug/pyexec"

step "deployment: the image built and smoke-tested in its root file system, manifests rendered and checked"
./scripts/deploy-check.sh
