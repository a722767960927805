use ruff_python_ast::{StmtImport, StmtImportFrom};
use ruff_text_size::Ranged;

use super::declare_rule;
use crate::names::bindings::Binding;
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// Flags imports of modules outside the tier's allowlist (`roles/policy/lightweight.toml`,
    /// `roles/policy/heavy.toml`), relative imports, star imports, and the other ways of
    /// importing: `__import__`, `importlib`, `imp`, `pkgutil`, `zipimport`.
    ///
    /// A module whose import is also covered by a more specific rule (`import subprocess`,
    /// PX101) is reported under that rule instead.
    ///
    /// ## Why is this bad
    /// The allowlist is the boundary of what code can reach: every module outside it is a
    /// way to the file system, processes or the network that the other rules would have to
    /// anticipate. Star imports bind names the validator cannot see.
    ///
    /// ## Example
    /// ```python
    /// import importlib
    /// os = importlib.import_module("o" + "s")
    /// ```
    pub static IMPORT_NOT_ALLOWED = {
        code: "PX200",
        name: "import-not-allowed",
        summary: "import outside the tier's allowlist, relative, star, or by other means",
        see_also: "ruff F403 (undefined-local-with-import-star)",
    };
}

pub(crate) fn check_import(checker: &mut Checker<'_, '_>, import: &StmtImport) {
    for alias in &import.names {
        let module = alias.name.id.as_str();
        if checker.module_allowed(module) {
            continue;
        }
        report_refused(checker, module, alias.range());
    }
}

pub(crate) fn check_import_from(checker: &mut Checker<'_, '_>, import: &StmtImportFrom) {
    if import.level > 0 {
        checker.report(
            &IMPORT_NOT_ALLOWED,
            import.range,
            "relative imports are not allowed: there is no package to import from".to_owned(),
        );
        return;
    }
    let module = import.module.as_ref().map_or("", |m| m.id.as_str());
    for alias in &import.names {
        let member = alias.name.id.as_str();
        if member == "*" {
            // Allowed when the object table says every name it binds is safe.
            let star = format!("{module}.*");
            match checker.objects.lookup(&star) {
                crate::policy::Lookup::Safe if checker.module_allowed(module) => {}
                crate::policy::Lookup::Dangerous(danger) => {
                    let rule = super::by_name(&danger.rule).unwrap_or(&IMPORT_NOT_ALLOWED);
                    let message = format!(
                        "`from {module} import *` would bind something not allowed ({}); import names one by one",
                        danger.reason
                    );
                    checker.report(rule, alias.range(), message);
                }
                _ => checker.report(
                    &IMPORT_NOT_ALLOWED,
                    alias.range(),
                    format!("`from {module} import *` binds names the validator cannot see; import them by name"),
                ),
            }
            continue;
        }
        let path = format!("{module}.{member}");
        if let Some(entry) = checker.policy.deny.find(&path) {
            let rule = super::by_name(&entry.rule).unwrap_or(&IMPORT_NOT_ALLOWED);
            checker.report(
                rule,
                alias.range(),
                format!("`{path}` is not allowed: {}", entry.reason),
            );
            continue;
        }
        if checker.module_allowed(module) || checker.module_allowed(&path) {
            let binding = Binding {
                path: path.clone(),
                imported: path.clone(),
                from_import: true,
            };
            super::check_module_path(checker, &binding, &path, alias.range(), false);
        } else {
            report_refused(checker, module, alias.range());
        }
    }
}

fn report_refused(checker: &mut Checker<'_, '_>, module: &str, range: ruff_text_size::TextRange) {
    if let Some(entry) = checker.policy.deny.find(module) {
        let rule = super::by_name(&entry.rule).unwrap_or(&IMPORT_NOT_ALLOWED);
        checker.report(
            rule,
            range,
            format!("module `{module}` is not allowed: {}", entry.reason),
        );
    } else {
        let tier = if std::ptr::eq(checker.tier, &checker.policy.heavy) {
            "heavy"
        } else {
            "lightweight"
        };
        checker.report(
            &IMPORT_NOT_ALLOWED,
            range,
            format!("module `{module}` is not in the {tier} tier's allowlist"),
        );
    }
}

/// True when the import statement that made `binding` was itself allowed (otherwise it was
/// reported there, and uses of the name are not reported again).
pub(crate) fn binding_allowed(checker: &Checker<'_, '_>, binding: &Binding) -> bool {
    if checker.module_allowed(&binding.imported) {
        return true;
    }
    binding.from_import
        && binding
            .imported
            .rsplit_once('.')
            .is_some_and(|(module, _)| checker.module_allowed(module))
}
