# Recipes for `just` (optional: every recipe is a plain command or script you can run without it).

# Validate the example program on embedded defaults.
run:
    cargo run --release -- validate examples/primes.py

# The whole test suite, as CI runs it.
test:
    ./scripts/test.sh

# Criterion benchmarks (see BENCHMARKS.md).
bench:
    cargo bench --bench validator

fmt:
    cargo fmt --all

lint:
    cargo clippy --all-targets -- -D warnings
