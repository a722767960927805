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

step "heavy runtime (data libraries for pyexec job-run)"
./scripts/setup-heavy-runtime.sh

step "tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --no-fail-fast
    # nextest does not run doctests.
    cargo test --locked --doc
else
    cargo test --locked --no-fail-fast
fi
