//! The rule registry. One rule per file, each with a stable code and a doc comment in the
//! form "What it does / Why is this bad / Example"; the doc is compiled into the binary and
//! printed by `pyexec explain CODE`. Codes never change meaning; retired codes are not reused.

use std::fmt::Write as _;

use crate::policy::{PolicyError, PolicySet};

mod dunder_access;
mod dynamic_code;
mod environment;
mod file_io;
mod format_string_dunder;
mod import_not_allowed;
mod match_class_dunder;
mod module_reexport;
mod network;
mod os_command;
mod reflective_builtin;
mod source_too_large;
mod storage_path;
mod syntax_error;
mod too_deeply_nested;
mod validation_budget;

pub(crate) use dunder_access::{check_escape_name, check_escape_string};
pub(crate) use format_string_dunder::{
    check_brace_style_call, check_format_call, check_format_fields,
};
pub(crate) use import_not_allowed::{check_import, check_import_from};
pub(crate) use match_class_dunder::check_match_class;
pub(crate) use module_reexport::check_module_path;
pub(crate) use reflective_builtin::{call_checked_method, check_reflective_call};
pub(crate) use storage_path::{check_io_call, is_unlisted_io};

/// A validator rule: its identity and its documentation.
#[derive(Debug)]
pub struct Rule {
    /// Stable code, e.g. `PX101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `os-command`; deny-list entries name rules by it.
    pub name: &'static str,
    /// One line for `pyexec rules`.
    pub summary: &'static str,
    /// The matching bandit / ruff `S` rules, if any.
    pub see_also: &'static str,
    /// The doc comment of the rule's declaration.
    pub doc: &'static str,
}

/// Declares a rule whose doc comment is also kept as a string for `pyexec explain`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            summary: $summary:literal,
            see_also: $see_also:literal $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::validator::rules::Rule = $crate::validator::rules::Rule {
            code: $code,
            name: $name,
            summary: $summary,
            see_also: $see_also,
            doc: concat!($($doc, "\n"),*),
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &syntax_error::SYNTAX_ERROR,
    &source_too_large::SOURCE_TOO_LARGE,
    &too_deeply_nested::TOO_DEEPLY_NESTED,
    &validation_budget::VALIDATION_BUDGET,
    &file_io::FILE_IO,
    &os_command::OS_COMMAND,
    &network::NETWORK,
    &environment::ENVIRONMENT,
    &import_not_allowed::IMPORT_NOT_ALLOWED,
    &dynamic_code::DYNAMIC_CODE,
    &dunder_access::DUNDER_ACCESS,
    &reflective_builtin::REFLECTIVE_BUILTIN,
    &format_string_dunder::FORMAT_STRING_DUNDER,
    &match_class_dunder::MATCH_CLASS_DUNDER,
    &module_reexport::MODULE_REEXPORT,
    &storage_path::STORAGE_PATH,
];

pub(crate) use dunder_access::DUNDER_ACCESS;
pub(crate) use dynamic_code::{
    check_expression_method, check_string_dispatch, DYNAMIC_CODE, STRING_DISPATCH,
};
pub(crate) use file_io::FILE_IO;
pub(crate) use format_string_dunder::FORMAT_STRING_DUNDER;
pub(crate) use import_not_allowed::IMPORT_NOT_ALLOWED;
pub(crate) use match_class_dunder::MATCH_CLASS_DUNDER;
pub(crate) use reflective_builtin::REFLECTIVE_BUILTIN;
pub(crate) use source_too_large::SOURCE_TOO_LARGE;
pub(crate) use storage_path::STORAGE_PATH;
pub(crate) use syntax_error::SYNTAX_ERROR;
pub(crate) use too_deeply_nested::TOO_DEEPLY_NESTED;
pub(crate) use validation_budget::VALIDATION_BUDGET;

/// Looks a rule up by code (`PX101`, case-insensitive) or by name (`os-command`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.code.eq_ignore_ascii_case(code_or_name) || rule.name == code_or_name)
}

pub fn by_name(name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.name == name)
}

pub fn is_rule_name(name: &str) -> bool {
    by_name(name).is_some()
}

/// Checks that every deny-list entry of `policy` reports a rule that exists. `policy` sits
/// below the validator and cannot see the rule table, so the validator checks this when it
/// loads a policy.
pub fn check_policy_rules(policy: &PolicySet) -> Result<(), PolicyError> {
    match policy
        .deny
        .entries()
        .find(|entry| !is_rule_name(&entry.rule))
    {
        Some(entry) => Err(PolicyError::Invalid {
            file: "denylist.toml".to_owned(),
            message: format!("entry {} names unknown rule {}", entry.path, entry.rule),
        }),
        None => Ok(()),
    }
}

impl Rule {
    /// The documentation as `pyexec explain` prints it.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{} ({})", self.code, self.name);
        let _ = writeln!(out);
        // Doc comments keep the space after `///`; strip exactly that.
        for line in self.doc.lines() {
            let _ = writeln!(out, "{}", line.strip_prefix(' ').unwrap_or(line));
        }
        if !self.see_also.is_empty() {
            let _ = writeln!(out, "See also: {}", self.see_also);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in RULES {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            for section in ["## What it does", "## Why is this bad", "## Example"] {
                assert!(rule.doc.contains(section), "{} lacks {section}", rule.code);
            }
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(find("px101").map(|r| r.name), Some("os-command"));
        assert_eq!(find("os-command").map(|r| r.code), Some("PX101"));
        assert!(find("PX999").is_none());
    }

    #[test]
    fn built_in_deny_list_names_only_known_rules() {
        let policy = PolicySet::embedded().expect("embedded policy");
        check_policy_rules(&policy).expect("every deny entry names a rule");
    }

    #[test]
    fn deny_entry_with_unknown_rule_is_rejected() {
        let mut policy = PolicySet::embedded().expect("embedded policy");
        policy.deny = crate::policy::DenyList::parse(
            "denylist.toml",
            "[[deny]]\npath = \"os.system\"\nrule = \"no-such-rule\"\nreason = \"test\"\n",
        )
        .expect("parses");
        let err = check_policy_rules(&policy).expect_err("unknown rule");
        assert!(err.to_string().contains("denylist.toml"), "{err}");
    }
}
