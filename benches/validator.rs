//! Validator throughput: a 200-line snippet and a 10,000-line file, built from the benign test
//! corpus, each compared in the same run with CPython's `ast.parse` on the very same text.
//!
//! Run with `cargo bench --bench validator`. Besides criterion's report it prints one summary
//! line per input with the median of both sides and their ratio; BENCHMARKS.md records them.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pyexec::config::{ClassifierSettings, ValidatorSettings};
use pyexec::models::TierChoice;
use pyexec::policy::PolicySet;
use pyexec::validator::Validator;

/// Concatenates the benign corpus until it holds at least `lines` lines, then pads with simple
/// assignments to exactly `lines`. Whole files only, so the result is valid Python.
fn corpus(lines: usize) -> String {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/benign");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("benign corpus exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("readable fixture"))
        .collect();
    let mut out = String::new();
    let mut count = 0;
    'fill: loop {
        for text in &texts {
            let n = text.lines().count();
            if count + n > lines {
                break 'fill;
            }
            out.push_str(text);
            if !text.ends_with('\n') {
                out.push('\n');
            }
            count += n;
        }
    }
    for i in count..lines {
        out.push_str(&format!("pad_{i} = {i} * 2 + 1\n"));
    }
    out
}

fn validator() -> Validator {
    let policy = PolicySet::embedded().expect("built-in policy loads");
    Validator::new(
        policy,
        ValidatorSettings::default(),
        ClassifierSettings::default(),
    )
}

/// Median wall time of one call, over `rounds` calls after a warm-up.
fn median(rounds: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..rounds.div_ceil(10) {
        f();
    }
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// Median seconds of one `ast.parse` of `source` in CPython, or `None` without a `python3`.
fn cpython_ast_parse(source: &str, rounds: usize) -> Option<Duration> {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(source.as_bytes()).expect("write source");
    let script = format!(
        "import ast, sys, time, statistics\n\
         src = open(sys.argv[1], encoding='utf-8').read()\n\
         for _ in range({warm}): ast.parse(src)\n\
         samples = []\n\
         for _ in range({rounds}):\n\
         \x20   t = time.perf_counter(); ast.parse(src); samples.append(time.perf_counter() - t)\n\
         print(statistics.median(samples))\n",
        warm = rounds.div_ceil(10),
    );
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(file.path())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let seconds: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(seconds))
}

fn bench(c: &mut Criterion) {
    let validator = validator();
    let inputs = [
        ("snippet_200_lines", corpus(200), 2000),
        ("file_10000_lines", corpus(10_000), 60),
    ];
    let mut summary = Vec::new();
    let mut group = c.benchmark_group("validate");
    for (name, source, rounds) in &inputs {
        let result = validator.validate(source, TierChoice::Auto);
        assert!(
            result.valid,
            "benchmark input must be accepted: {:?}",
            result.findings
        );
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), source, |b, source| {
            b.iter(|| validator.validate(std::hint::black_box(source), TierChoice::Auto));
        });
        let ours = median(*rounds, || {
            std::hint::black_box(validator.validate(source, TierChoice::Auto));
        });
        summary.push((
            name,
            source.lines().count(),
            source.len(),
            ours,
            cpython_ast_parse(source, *rounds),
        ));
    }
    group.finish();

    println!();
    println!("summary (median of one call; same inputs, same run)");
    for (name, lines, bytes, ours, theirs) in summary {
        match theirs {
            Some(theirs) => println!(
                "{name}: {lines} lines, {bytes} bytes: pyexec validate {:.1} us, CPython ast.parse {:.1} us, ratio {:.1}x",
                ours.as_secs_f64() * 1e6,
                theirs.as_secs_f64() * 1e6,
                theirs.as_secs_f64() / ours.as_secs_f64()
            ),
            None => println!(
                "{name}: {lines} lines, {bytes} bytes: pyexec validate {:.1} us (python3 not available)",
                ours.as_secs_f64() * 1e6
            ),
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
