//! The classifier: lightweight by default, heavy with reasons.

mod common;

use common::validate;
use pyexec::config::{ClassifierSettings, ValidatorSettings};
use pyexec::models::{ReasonKind, Tier, TierChoice};
use pyexec::policy::PolicySet;
use pyexec::validator::Validator;

fn kinds(source: &str) -> Vec<ReasonKind> {
    validate(source).reasons.iter().map(|r| r.kind).collect()
}

#[test]
fn plain_computation_is_lightweight() {
    let result = validate("print(sum(range(1000)))\n");
    assert_eq!(result.tier, Tier::Lightweight);
    assert!(result.reasons.is_empty());
}

#[test]
fn data_libraries_make_code_heavy() {
    for module in [
        "pandas",
        "numpy",
        "polars",
        "pyarrow.parquet",
        "modin.pandas",
    ] {
        let result = validate(&format!("import {module}\n"));
        assert_eq!(result.tier, Tier::Heavy, "{module}");
        assert_eq!(result.reasons[0].kind, ReasonKind::HeavyImport);
        assert_eq!(result.reasons[0].detail, module);
        assert_eq!(result.reasons[0].line, 1);
    }
}

#[test]
fn storage_io_makes_code_heavy() {
    assert!(kinds("x = 's3://bucket/key.parquet'\n").contains(&ReasonKind::StorageIo));
    assert!(kinds("df.to_parquet('out.parquet')\n").contains(&ReasonKind::StorageIo));
}

#[test]
fn large_literals_make_code_heavy() {
    let big = format!("data = {:?}\n", "x".repeat(70 * 1024));
    assert!(kinds(&big).contains(&ReasonKind::LargeLiteral));
    let many = format!("data = [{}]\n", "1, ".repeat(12_000));
    assert!(kinds(&many).contains(&ReasonKind::LargeLiteral));
    assert!(kinds("data = [1, 2, 3]\n").is_empty());
}

#[test]
fn nested_loops_over_large_ranges_make_code_heavy() {
    let source = "t = 0\nfor i in range(10_000):\n    for j in range(10**4):\n        t += i * j\n";
    let result = validate(source);
    assert_eq!(result.tier, Tier::Heavy);
    let reason = &result.reasons[0];
    assert_eq!(reason.kind, ReasonKind::LoopComplexity);
    assert_eq!(reason.line, 3);
    // Sequential loops do not multiply.
    let sequential = "for i in range(10_000):\n    pass\nfor j in range(10_000):\n    pass\n";
    assert!(kinds(sequential).is_empty());
    // Comprehensions count like loops.
    let comprehension = "s = sum(i * j for i in range(10**4) for j in range(10**4))\n";
    assert!(kinds(comprehension).contains(&ReasonKind::LoopComplexity));
}

#[test]
fn thresholds_come_from_configuration() {
    let settings = ClassifierSettings {
        heavy_imports: vec!["statistics".to_owned()],
        loop_iterations: 100,
        ..ClassifierSettings::default()
    };
    let policy = PolicySet::embedded().expect("policy");
    let validator = Validator::new(policy, ValidatorSettings::default(), settings);
    let result = validator.validate("import statistics\n", TierChoice::Auto);
    assert_eq!(result.tier, Tier::Heavy);
    let result = validator.validate("for i in range(200):\n    pass\n", TierChoice::Auto);
    assert_eq!(result.reasons[0].kind, ReasonKind::LoopComplexity);
    let result = validator.validate("import pandas\n", TierChoice::Auto);
    assert!(
        result.reasons.is_empty(),
        "pandas is no longer configured heavy"
    );
}

#[test]
fn a_forced_tier_is_applied_but_reasons_are_still_reported() {
    let policy = PolicySet::embedded().expect("policy");
    let validator = Validator::new(
        policy,
        ValidatorSettings::default(),
        ClassifierSettings::default(),
    );
    let result = validator.validate("import pandas\n", TierChoice::Lightweight);
    assert_eq!(result.tier, Tier::Lightweight);
    assert!(!result.valid);
    assert_eq!(result.reasons[0].kind, ReasonKind::HeavyImport);
}
