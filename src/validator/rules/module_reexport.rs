use ruff_text_size::TextRange;

use super::declare_rule;
use super::import_not_allowed::{binding_allowed, IMPORT_NOT_ALLOWED};
use crate::policy::is_dunder;
use crate::validator::bindings::Binding;
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// Flags three ways of reaching more than an allowed module offers:
    /// - another module re-exported through an allowed one's attributes (`warnings.sys`,
    ///   `json.codecs`, `uuid.os`): any attribute that names a module outside the allowlist;
    /// - private attributes of modules (`random._os`, `re._compiler`);
    /// - a module used as a value (`m = random`, `f(json)`) instead of as `module.attr`, which
    ///   would let the other checks lose track of it.
    ///
    /// ## Why is this bad
    /// Allowed modules import dangerous ones for their own use; `random._os.system` is
    /// `os.system` under another name. Module attribute access is the only shape the validator
    /// can follow, so modules must not escape into variables.
    ///
    /// ## Example
    /// ```python
    /// import random
    /// random._os.system("id")
    /// ```
    pub static MODULE_REEXPORT = {
        code: "PX304",
        name: "module-reexport",
        summary: "another module reached through an allowed one, private module attributes, modules as values",
        see_also: "",
    };
}

/// Judges `path`, reached through the import `binding`: by a reference in an expression
/// (`as_value`: the whole expression is this path) or by a `from M import x` statement.
pub(crate) fn check_module_path(
    checker: &mut Checker<'_, '_>,
    binding: &Binding,
    path: &str,
    range: TextRange,
    as_value: bool,
) {
    if !binding_allowed(checker, binding) {
        return;
    }
    let Some(prefix) = checker.tier.allowed_prefix(path) else {
        checker.report(
            &IMPORT_NOT_ALLOWED,
            range,
            format!("`{path}` is outside the allowed modules"),
        );
        return;
    };
    if prefix.len() == path.len() && as_value {
        checker.report(
            &MODULE_REEXPORT,
            range,
            format!("module `{path}` is used as a value; use it only as `{path}.name`"),
        );
        return;
    }
    let Some(rest) = path.get(prefix.len() + 1..) else {
        return;
    };
    let mut reached = prefix.to_owned();
    for part in rest.split('.') {
        if part.starts_with('_') && !is_dunder(part) {
            checker.report(
                &MODULE_REEXPORT,
                range,
                format!("`{reached}.{part}` is a private attribute of module `{reached}`"),
            );
            return;
        }
        if checker.policy.module_names.contains(part) {
            let full = format!("{reached}.{part}");
            if !checker.tier.allows(&full) {
                checker.report(
                    &MODULE_REEXPORT,
                    range,
                    format!("`{full}` reaches module `{part}` through `{reached}`"),
                );
                return;
            }
        }
        reached.push('.');
        reached.push_str(part);
    }
}
