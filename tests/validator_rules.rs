//! One fixture per rule under `tests/fixtures/rules/CODE.py`, each snapshotted with insta.
//! Every rule must have a fixture that triggers it.

mod common;

use common::{fixtures, header, validator_with};
use pyexec::config::ValidatorSettings;
use pyexec::models::TierChoice;
use pyexec::validator::rules::RULES;

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    for rule in RULES {
        let path = fixtures().join("rules").join(format!("{}.py", rule.code));
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("rule {} has no fixture {}", rule.code, path.display()));
        let mut settings = ValidatorSettings::default();
        if let Some(limit) = header(&source, "max-source-bytes") {
            settings.max_source_bytes = limit.parse().expect("numeric limit");
        }
        let tier = match header(&source, "tier") {
            Some("heavy") => TierChoice::Heavy,
            _ => TierChoice::Auto,
        };
        let mut result = validator_with(settings).validate(&source, tier);
        assert!(
            result.findings.iter().any(|f| f.code == rule.code),
            "fixture of {} does not trigger it: {:#?}",
            rule.code,
            result.findings
        );
        result.elapsed_us = 0;
        // A rule's snapshot holds its own findings only, so that a change to another rule
        // never shows up in this one's diff (the other rules have their own fixtures).
        result.findings.retain(|f| f.code == rule.code);
        insta::assert_json_snapshot!(rule.code, result);
    }
}
