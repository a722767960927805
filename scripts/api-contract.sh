#!/usr/bin/env bash
# The API contract, checked from outside: schemathesis generates requests from each role's
# OpenAPI document (valid and invalid ones) and checks every answer: no 5xx, the status code
# and body documented. Bounded: --max-examples per operation, a deadline per request.
# Usage: scripts/api-contract.sh [path/to/pyexec]   (installs schemathesis from PyPI if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/debug/pyexec}
examples=${PYEXEC_CONTRACT_EXAMPLES:-40}
if ! command -v st >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis==4.*'
fi
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    # Heavy jobs the fuzzer started run detached from the executor (they outlive it by
    # design); their runners carry this run's --config on their command line.
    pkill -f -- "$work/config.toml" 2>/dev/null || true
    for _ in $(seq 1 100); do
        pgrep -f -- "$work/config.toml" >/dev/null 2>&1 || break
        sleep 0.1
    done
    rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work"; }
}
trap cleanup EXIT

key="contract-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
digest=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
cat >"$work/config.toml" <<TOML
[auth]
rate_per_sec = 0
[[auth.api_keys]]
id = "contract"
sha256 = "$digest"
scopes = ["admin"]
[jobs]
state_dir = "$work/state"
[storage]
root = "$work/results"
TOML

# Starts `pyexec serve --role ROLE` on 127.0.0.1:0 and sets `base` to its URL. Not run in a
# command substitution: that subshell would keep the pid from `pids`, and the cleanup.
start() {
    local role=$1
    "$binary" serve --role "$role" --listen 127.0.0.1:0 --config "$work/config.toml" \
        >"$work/$role.out" 2>"$work/$role.log" &
    pids+=($!)
    for _ in $(seq 1 600); do
        if grep -q '^listening on ' "$work/$role.out" 2>/dev/null; then
            base="http://$(sed -n 's/^listening on //p' "$work/$role.out" | head -1)"
            return
        fi
        sleep 0.1
    done
    echo "the $role role did not start:" >&2
    cat "$work/$role.log" >&2
    exit 1
}

check() {
    local role=$1 base=$2
    echo "== $role: $base/api/v1/openapi.json"
    st run "$base/api/v1/openapi.json" \
        --header "Authorization: Bearer $key" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples "$examples" --request-timeout 30 --generation-deterministic --no-color
}

PYEXEC_EXECUTOR__POOL_SIZE=2 start executor
executor=$base
check executor "$executor"
# The LLM role, with an OpenAI-compatible fake as its model and the executor above.
python3 scripts/fake_llm.py >"$work/fake_llm.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    grep -q '^listening on ' "$work/fake_llm.out" 2>/dev/null && break
    sleep 0.1
done
fake_llm="http://$(sed -n 's/^listening on //p' "$work/fake_llm.out" | head -1)/v1"
PYEXEC_LLM__EXECUTOR_URL="$executor" PYEXEC_LLM__BASE_URL="$fake_llm" \
    PYEXEC_LLM__MODEL=fake PYEXEC_AUTH__EXECUTOR_API_KEY="$key" start llm
llm=$base
check llm "$llm"
