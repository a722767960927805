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

/// Inputs built to make validation expensive, each within the default source limit (1 MiB).
/// Every one must end in well under a second: accepted, rejected, or stopped at the budget
/// (PX004).
fn adversarial() -> Vec<(&'static str, String)> {
    let mut shapes = Vec::new();
    // One attribute chain 20,000 links deep.
    shapes.push((
        "deep_attribute_chain",
        format!("import math\nx = math{}\n", ".pi".repeat(20_000)),
    ));
    // 2,000 imports bound to one name, then 2,000 chains through it.
    let mut text = String::new();
    for i in 0..2_000 {
        text.push_str(&format!("from math import a{i} as r\n"));
    }
    for i in 0..2_000 {
        text.push_str(&format!("r.x{i}.y.z\n"));
    }
    shapes.push(("bindings_x_chains", text));
    // 5,000 distinct imports, each used once.
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!("import math as m{i}\nm{i}.sqrt({i})\n"));
    }
    shapes.push(("distinct_imports_5000", text));
    // A heavy-tier path assigned through 3,000 names, each with two values.
    let mut text = String::from("import pandas as pd\np0 = 'a.csv'\n");
    for i in 1..3_000 {
        text.push_str(&format!("p{i} = 'b.csv'\np{i} = p{}\n", i - 1));
    }
    text.push_str("pd.read_csv(p2999)\n");
    shapes.push(("path_assignment_chain", text));
    // 300 KB of small functions.
    let mut text = String::new();
    for i in 0..4_000 {
        text.push_str(&format!(
            "def f{i}(a, b=2):\n    return [x * b for x in range(a)] + [str(a).upper()]\n"
        ));
    }
    shapes.push(("functions_300kb", text));
    shapes
}

fn bench_adversarial(c: &mut Criterion) {
    let validator = validator();
    let mut group = c.benchmark_group("validate_adversarial");
    let mut summary = Vec::new();
    for (name, source) in adversarial() {
        let result = validator.validate(&source, TierChoice::Auto);
        let verdict = if result.valid {
            "accepted".to_owned()
        } else {
            let mut codes: Vec<&str> = result.findings.iter().map(|f| f.code.as_str()).collect();
            codes.dedup();
            codes.truncate(3);
            format!("rejected {}", codes.join(","))
        };
        group.bench_with_input(BenchmarkId::from_parameter(name), &source, |b, source| {
            b.iter(|| validator.validate(std::hint::black_box(source), TierChoice::Auto));
        });
        let took = median(5, || {
            std::hint::black_box(validator.validate(&source, TierChoice::Auto));
        });
        summary.push((name, source.len(), verdict, took));
    }
    group.finish();
    println!();
    println!("adversarial shapes (median of one call)");
    for (name, bytes, verdict, took) in summary {
        println!(
            "{name}: {bytes} bytes, {verdict}, {:.1} ms",
            took.as_secs_f64() * 1e3
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_group! {
    name = adversarial_benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3));
    targets = bench_adversarial
}
criterion_main!(benches, adversarial_benches);
