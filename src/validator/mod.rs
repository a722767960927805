//! The static validator: layer 1 of the sandbox. It parses the code (never executes or
//! compiles it), classifies it, and applies the chosen tier's rules. Any parse error rejects.

mod checker;
mod nesting;
pub mod rules;

use std::time::Instant;

use ruff_python_ast::visitor::Visitor;
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::classifier;
use crate::config::{ClassifierSettings, Settings, Sources, ValidatorSettings};
use crate::models::{Finding, Tier, TierChoice, ValidationResult};
use crate::names::bindings::Bindings;
use crate::policy::{PolicyError, PolicySet};
use checker::{Checker, RawFinding};
use rules::Rule;

/// A validator with its policies loaded; cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Validator {
    policy: PolicySet,
    settings: ValidatorSettings,
    classifier: ClassifierSettings,
}

impl Validator {
    pub fn new(
        policy: PolicySet,
        settings: ValidatorSettings,
        classifier: ClassifierSettings,
    ) -> Self {
        Self {
            policy,
            settings,
            classifier,
        }
    }

    /// The validator of a role: the policies of `sources` with the role's `[validator]` and
    /// `[classifier]` settings.
    pub fn load(sources: &Sources, settings: &Settings) -> Result<Self, PolicyError> {
        let policy = PolicySet::load(sources)?;
        rules::check_policy_rules(&policy)?;
        Ok(Self::new(
            policy,
            settings.validator.clone(),
            settings.classifier.clone(),
        ))
    }

    pub fn policy(&self) -> &PolicySet {
        &self.policy
    }

    /// The modules `tier` allows, in policy order (the sandbox's run-time import allowlist).
    pub fn allowed_imports(&self, tier: Tier) -> Vec<String> {
        self.policy
            .tier(tier)
            .imports()
            .map(|(module, _)| module.to_owned())
            .collect()
    }

    /// The allowlist as the LLM is told it: each module, and for those allowed with only some
    /// attributes, which (`sys (only sys.stdout, sys.stderr, ...)`).
    pub fn prompt_imports(&self, tier: Tier) -> Vec<String> {
        let restricted = self.restricted_imports(tier);
        self.allowed_imports(tier)
            .into_iter()
            .map(|module| match restricted.get(&module) {
                Some(names) => {
                    let names: Vec<String> =
                        names.iter().map(|n| format!("{module}.{n}")).collect();
                    format!("{module} (only {})", names.join(", "))
                }
                None => module,
            })
            .collect()
    }

    /// Modules `tier` allows with only some attributes, and those attributes (the guards
    /// give user code a module holding just them).
    pub fn restricted_imports(
        &self,
        tier: Tier,
    ) -> std::collections::BTreeMap<String, Vec<String>> {
        self.policy
            .tier(tier)
            .restricted_modules()
            .map(|(module, names)| (module.to_owned(), names.to_vec()))
            .collect()
    }

    /// Validates raw bytes: invalid UTF-8 is a rejection, not an error.
    pub fn validate_bytes(&self, source: &[u8], choice: TierChoice) -> ValidationResult {
        match std::str::from_utf8(source) {
            Ok(text) => self.validate(text, choice),
            Err(err) => {
                let start = Instant::now();
                let valid_prefix = &source[..err.valid_up_to()];
                let line = valid_prefix.iter().filter(|b| **b == b'\n').count() + 1;
                let column = valid_prefix
                    .iter()
                    .rev()
                    .take_while(|b| **b != b'\n')
                    .count()
                    + 1;
                let finding = Finding {
                    code: rules::SYNTAX_ERROR.code.to_owned(),
                    name: rules::SYNTAX_ERROR.name.to_owned(),
                    message: format!(
                        "source is not valid UTF-8 (byte {} is not)",
                        err.valid_up_to()
                    ),
                    line: saturate(line),
                    column: saturate(column),
                    end_line: saturate(line),
                    end_column: saturate(column),
                };
                rejected(choice, vec![finding], start)
            }
        }
    }

    /// Validates `source` under the tier `choice` asks for (`auto`: the classifier's), in a
    /// `validation` span of the current trace (exported only).
    pub fn validate(&self, source: &str, choice: TierChoice) -> ValidationResult {
        let span = if crate::telemetry::in_request() {
            tracing::info_span!(
                target: crate::telemetry::SPANS,
                "validation",
                tier = tracing::field::Empty,
                valid = tracing::field::Empty,
                findings = tracing::field::Empty,
            )
        } else {
            tracing::Span::none()
        };
        let verdict = span.in_scope(|| self.validate_in_span(source, choice));
        if !span.is_disabled() {
            span.record("tier", verdict.tier.to_string());
            span.record("valid", verdict.valid);
            span.record("findings", verdict.findings.len());
        }
        verdict
    }

    fn validate_in_span(&self, source: &str, choice: TierChoice) -> ValidationResult {
        let start = Instant::now();
        if source.len() > self.settings.max_source_bytes {
            let message = format!(
                "source is {} bytes, over the limit of {}",
                source.len(),
                self.settings.max_source_bytes
            );
            return rejected(
                choice,
                vec![whole_file(&rules::SOURCE_TOO_LARGE, message)],
                start,
            );
        }
        if let Some(offset) = nesting::too_deep(source, self.settings.max_nesting) {
            let raw = RawFinding {
                rule: &rules::TOO_DEEPLY_NESTED,
                range: TextRange::empty(offset),
                message: format!("nesting deeper than {} levels", self.settings.max_nesting),
            };
            return rejected(choice, positioned(source, vec![raw]), start);
        }
        let parsed = match ruff_python_parser::parse_module(source) {
            Ok(parsed) => parsed,
            Err(err) => {
                let raw = RawFinding {
                    rule: &rules::SYNTAX_ERROR,
                    range: err.location,
                    message: err.error.to_string(),
                };
                return rejected(choice, positioned(source, vec![raw]), start);
            }
        };
        let module = parsed.syntax();
        let bindings = Bindings::collect(source, &module.body);
        let reasons = tracing::info_span!(target: crate::telemetry::SPANS, "classification")
            .in_scope(|| {
                classifier::classify(
                    &module.body,
                    source,
                    &self.classifier,
                    self.policy.heavy.io.as_ref(),
                    &bindings,
                )
            });
        let tier = match choice {
            TierChoice::Lightweight => Tier::Lightweight,
            TierChoice::Heavy => Tier::Heavy,
            TierChoice::Auto if reasons.is_empty() => Tier::Lightweight,
            TierChoice::Auto => Tier::Heavy,
        };
        let mut checker = Checker::new(
            source,
            self.policy.tier(tier),
            self.policy.objects(tier),
            &self.policy,
            &bindings,
            checker::Budget {
                deadline: start + std::time::Duration::from_millis(self.settings.max_validation_ms),
                max_ms: self.settings.max_validation_ms,
                max_work: self.settings.max_work,
            },
        );
        for stmt in &module.body {
            checker.top = stmt.start();
            checker.visit_stmt(stmt);
        }
        if let Some(why) = checker.exhausted.take() {
            tracing::warn!(reason = %why, "validation stopped at its budget");
            let message = format!(
                "validation stopped: the program could not be checked within {} ms and {} resolution steps; it is too large or too repetitive (split it, or bind each import to one name)",
                self.settings.max_validation_ms, self.settings.max_work
            );
            return rejected(
                choice,
                vec![whole_file(&rules::VALIDATION_BUDGET, message)],
                start,
            );
        }
        let findings = positioned(source, checker.findings);
        ValidationResult {
            valid: findings.is_empty(),
            tier,
            reasons,
            findings,
            imports: bindings.module_names(),
            elapsed_us: elapsed_us(start),
        }
    }
}

fn rejected(choice: TierChoice, findings: Vec<Finding>, start: Instant) -> ValidationResult {
    ValidationResult {
        valid: false,
        tier: match choice {
            TierChoice::Heavy => Tier::Heavy,
            TierChoice::Auto | TierChoice::Lightweight => Tier::Lightweight,
        },
        reasons: Vec::new(),
        findings,
        imports: Vec::new(),
        elapsed_us: elapsed_us(start),
    }
}

fn whole_file(rule: &Rule, message: String) -> Finding {
    Finding {
        code: rule.code.to_owned(),
        name: rule.name.to_owned(),
        message,
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    }
}

/// Turns byte ranges into 1-based lines and character columns, sorted by position, with
/// exact duplicates (same rule, same place) removed.
fn positioned(source: &str, mut raw: Vec<RawFinding>) -> Vec<Finding> {
    if raw.is_empty() {
        return Vec::new();
    }
    raw.sort_by_key(|f| (f.range.start(), f.range.end(), f.rule.code));
    raw.dedup_by(|a, b| a.range == b.range && a.rule.code == b.rule.code);
    let index = LineIndex::from_source_text(source);
    let clamp = |offset: TextSize| offset.min(TextSize::of(source));
    raw.into_iter()
        .map(|f| {
            let start = index.line_column(clamp(f.range.start()), source);
            let end = index.line_column(clamp(f.range.end()), source);
            Finding {
                code: f.rule.code.to_owned(),
                name: f.rule.name.to_owned(),
                message: f.message,
                line: saturate(start.line.get()),
                column: saturate(start.column.get()),
                end_line: saturate(end.line.get()),
                end_column: saturate(end.column.get()),
            }
        })
        .collect()
}

fn saturate(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn elapsed_us(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}
