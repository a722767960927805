#!/usr/bin/env bash
# The main job on embedded defaults, both tiers: a lightweight program validated and run in the
# warm sandbox, then a heavy pandas program run by `pyexec job-run` on the local backend, its
# results written to ./pyexec-results. Sets up the heavy runtime first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-heavy-runtime.sh
# Through cargo, so that a CARGO_TARGET_DIR elsewhere works too.
pyexec() { cargo run --release --quiet -- "$@"; }
echo "== lightweight: examples/primes.py in the sandbox" >&2
pyexec exec examples/primes.py
echo "== heavy: examples/sales.py as a local job" >&2
CODE_FILE=examples/sales.py REQUEST_ID="example-sales" TIMEOUT=120 PYEXEC_LOG__LEVEL=warn pyexec job-run |
    python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["stdout"], end=""); print("status:", r["status"], file=sys.stderr)' 
echo "results: $PWD/pyexec-results/results/example-sales/" >&2
ls pyexec-results/results/example-sales/
