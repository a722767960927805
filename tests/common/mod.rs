//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pyexec::config::{ClassifierSettings, ValidatorSettings};
use pyexec::models::{TierChoice, ValidationResult};
use pyexec::policy::PolicySet;
use pyexec::validator::Validator;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn validator() -> Validator {
    validator_with(ValidatorSettings::default())
}

pub fn validator_with(settings: ValidatorSettings) -> Validator {
    let policy = PolicySet::embedded().expect("built-in policy loads");
    Validator::new(policy, settings, ClassifierSettings::default())
}

pub fn validate(source: &str) -> ValidationResult {
    validator().validate(source, TierChoice::Auto)
}

pub fn codes(result: &ValidationResult) -> Vec<&str> {
    result.findings.iter().map(|f| f.code.as_str()).collect()
}

/// Reads a `# key: value` header line of a fixture.
pub fn header<'s>(source: &'s str, key: &str) -> Option<&'s str> {
    source
        .lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix(&format!("# {key}: ")))
}

/// Every `.py` file in a fixture folder, sorted.
pub fn python_files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join(folder))
        .expect("fixture folder exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}
