use ruff_text_size::TextRange;

use super::declare_rule;
use super::import_not_allowed::{binding_allowed, IMPORT_NOT_ALLOWED};
use crate::names::bindings::Binding;
use crate::policy::{is_dunder, Lookup};
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
///
/// The object table (`roles/policy/objects/`, generated from the runtime) says what the path
/// names: a dangerous object is reported with its deny-list rule, whatever it is called; a
/// module must be one the tier allows; a safe object is fine. A path the table does not know
/// is refused in the lightweight tier (its table lists every public object) and judged by
/// its spelling in the heavy tier (private parts, module names).
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
    if let Some(private) = private_part(prefix, path) {
        checker.report(
            &MODULE_REEXPORT,
            range,
            format!("`{private}` is a private attribute; use the module's public names"),
        );
        return;
    }
    let canonical = checker.objects.canonical(path);
    if let Some((module, attr)) = checker.tier.outside_only(&canonical) {
        let rule = checker
            .policy
            .deny
            .find(&format!("{module}.{attr}"))
            .and_then(|entry| super::by_name(&entry.rule))
            .unwrap_or(&MODULE_REEXPORT);
        checker.report(
            rule,
            range,
            format!(
                "`{path}`: only some attributes of `{module}` are available in the sandbox, and `{attr}` is not one of them"
            ),
        );
        return;
    }
    match checker.objects.lookup(path) {
        Lookup::Safe | Lookup::BeyondSafe => {}
        Lookup::Dangerous(danger) => {
            let rule = super::by_name(&danger.rule).unwrap_or(&MODULE_REEXPORT);
            let message = if danger.seed == path {
                format!("`{path}` is not allowed: {}", danger.reason)
            } else if danger.seed.ends_with('=') {
                // Found by its parameters (generator.toml `path_parameters`).
                format!(
                    "`{path}` is not allowed: it takes a path as `{}` and {}",
                    danger.seed, danger.reason
                )
            } else {
                format!(
                    "`{path}` is not allowed: it is `{}` ({})",
                    danger.seed, danger.reason
                )
            };
            checker.report(rule, range, message);
        }
        Lookup::Module(module) => {
            if checker.tier.allowed_prefix(module).is_none() {
                checker.report(
                    &MODULE_REEXPORT,
                    range,
                    format!("`{path}` reaches module `{module}`, which this tier does not allow"),
                );
            } else if as_value {
                checker.report(
                    &MODULE_REEXPORT,
                    range,
                    format!("module `{path}` is used as a value; use it only as `{path}.name`"),
                );
            }
        }
        Lookup::Unknown { within } if checker.objects.complete => {
            let module = within.unwrap_or(prefix);
            checker.report(
                &MODULE_REEXPORT,
                range,
                format!("`{path}` is not a public name of module `{module}` in this tier's policy"),
            );
        }
        Lookup::Unknown { .. } => check_spelling(checker, prefix, path, range),
    }
}

/// The path up to its first private part after the module (`random._os`), if any.
fn private_part<'p>(prefix: &str, path: &'p str) -> Option<&'p str> {
    let rest = path.get(prefix.len() + 1..)?;
    let mut end = prefix.len();
    for part in rest.split('.') {
        end += 1 + part.len();
        if part.starts_with('_') && !is_dunder(part) {
            return path.get(..end);
        }
    }
    None
}

/// The heavy tier's judgement of a path its table does not list: no part may name a module
/// outside the allowlist.
fn check_spelling(checker: &mut Checker<'_, '_>, prefix: &str, path: &str, range: TextRange) {
    let Some(rest) = path.get(prefix.len() + 1..) else {
        return;
    };
    let mut reached = prefix.to_owned();
    for part in rest.split('.') {
        if checker.policy.module_names.contains(part) {
            let full = format!("{reached}.{part}");
            if checker.tier.allowed_prefix(&full).is_none() {
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
