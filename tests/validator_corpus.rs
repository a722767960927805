//! The hostile and benign corpora: every hostile program is rejected with the rule codes its
//! `# expect:` header names; every benign program is accepted.

mod common;

use common::{codes, header, python_files, validator};
use pyexec::models::{Tier, TierChoice};

fn check_hostile(folder: &str, tier: TierChoice, prefix: &str) {
    let validator = validator();
    let files: Vec<_> = python_files(folder)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    assert!(files.len() >= 10, "hostile corpus {folder} is too small");
    for path in files {
        let source = std::fs::read_to_string(&path).expect("fixture readable");
        let expected = header(&source, "expect").expect("hostile fixture has # expect:");
        let result = validator.validate(&source, tier);
        assert!(!result.valid, "{} was accepted", path.display());
        for code in expected.split_whitespace() {
            assert!(
                codes(&result).contains(&code),
                "{} lacks {code}: {:#?}",
                path.display(),
                result.findings
            );
        }
    }
}

#[test]
fn hostile_programs_are_rejected_with_their_rules() {
    check_hostile("hostile", TierChoice::Auto, "");
}

#[test]
fn hostile_heavy_programs_are_rejected_in_the_heavy_tier() {
    let validator = validator();
    for path in python_files("heavy") {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if !name.is_some_and(|n| n.starts_with("bad_")) {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("fixture readable");
        let expected = header(&source, "expect").expect("has # expect:");
        let result = validator.validate(&source, TierChoice::Heavy);
        assert!(!result.valid, "{} was accepted", path.display());
        for code in expected.split_whitespace() {
            assert!(
                codes(&result).contains(&code),
                "{} lacks {code}: {:#?}",
                path.display(),
                result.findings
            );
        }
    }
}

#[test]
fn benign_programs_are_accepted_as_lightweight() {
    let validator = validator();
    let files = python_files("benign");
    assert!(files.len() >= 8, "benign corpus is too small");
    for path in files {
        let source = std::fs::read_to_string(&path).expect("fixture readable");
        let result = validator.validate(&source, TierChoice::Auto);
        assert!(
            result.valid,
            "{} rejected: {:#?}",
            path.display(),
            result.findings
        );
        assert_eq!(result.tier, Tier::Lightweight, "{}", path.display());
    }
}

/// A long file made of many ordinary programs must not add up to a false "too deep": the
/// nesting pre-scan has to return to the top level after every statement.
#[test]
fn a_long_concatenation_of_benign_programs_is_accepted() {
    // What is checked here is the nesting pre-scan, not the time budget (PX004 has tests of
    // its own): a debug build on a loaded machine may need more than the default 250 ms.
    let validator = common::validator_with(pyexec::config::ValidatorSettings {
        max_validation_ms: 60_000,
        ..Default::default()
    });
    let mut source = String::new();
    for _ in 0..40 {
        for path in python_files("benign") {
            source.push_str(&std::fs::read_to_string(&path).expect("fixture readable"));
            source.push('\n');
        }
    }
    let result = validator.validate(&source, TierChoice::Auto);
    assert!(result.valid, "rejected: {:#?}", result.findings);
}

#[test]
fn benign_heavy_programs_are_accepted_and_classified_heavy() {
    let validator = validator();
    for path in python_files("heavy") {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with("bad_")) {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("fixture readable");
        let result = validator.validate(&source, TierChoice::Auto);
        assert!(
            result.valid,
            "{} rejected: {:#?}",
            path.display(),
            result.findings
        );
        assert_eq!(result.tier, Tier::Heavy, "{}", path.display());
        assert!(!result.reasons.is_empty());
    }
}

#[test]
fn heavy_code_is_rejected_in_the_lightweight_tier() {
    let source = std::fs::read_to_string(common::fixtures().join("heavy/pandas_storage.py"))
        .expect("fixture readable");
    let result = validator().validate(&source, TierChoice::Lightweight);
    assert!(!result.valid);
    assert_eq!(result.tier, Tier::Lightweight);
    assert!(
        codes(&result).contains(&"PX200"),
        "pandas is not lightweight"
    );
}
