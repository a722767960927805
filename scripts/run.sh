#!/usr/bin/env bash
# The main job on embedded defaults, both tiers: a lightweight program validated and run in the
# warm sandbox, then a heavy pandas program run by `pyexec job-run` on the local backend, its
# results written to ./pyexec-results. Sets up the heavy runtime first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-heavy-runtime.sh
cargo build --release --quiet
bin=target/release/pyexec
echo "== lightweight: examples/primes.py in the sandbox" >&2
"$bin" exec examples/primes.py
echo "== heavy: examples/sales.py as a local job" >&2
CODE="$(cat examples/sales.py)" REQUEST_ID="example-sales" TIMEOUT=120 PYEXEC_LOG__LEVEL=warn "$bin" job-run |
    python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["stdout"], end=""); print("status:", r["status"], file=sys.stderr)' 
echo "results: $PWD/pyexec-results/results/example-sales/" >&2
ls pyexec-results/results/example-sales/
