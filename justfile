# Recipes for `just` (optional: every recipe is a plain command or script you can run without it).

# Both tiers on embedded defaults: a program in the sandbox, then a heavy pandas job.
run:
    ./scripts/run.sh

# The whole test suite, as CI runs it.
test:
    ./scripts/test.sh

# Install the heavy tier's data libraries (requirements/heavy.txt) if missing.
heavy-runtime:
    ./scripts/setup-heavy-runtime.sh

# Benchmarks (see BENCHMARKS.md for each command's latest figures).
bench:
    cargo bench --bench validator
    cargo build --release
    python3 benches/executor_latency.py --requests 1000
    python3 benches/llm_overhead.py --queries 500
    python3 benches/heavy_job.py --jobs 10

# The all-in-one local system (LLM role + executor); set PYEXEC_LLM__BASE_URL for your model.
serve:
    cargo run --release -- serve --role all

fmt:
    cargo fmt --all

lint:
    cargo clippy --all-targets -- -D warnings
