use ruff_text_size::TextRange;

use super::declare_rule;
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// Flags dunder attributes and names outside a short list of harmless ones (`__init__`,
    /// `__name__`, operator methods...), and the frame and code attributes (`gi_frame`,
    /// `f_back`, `f_globals`, `tb_frame`, `co_code`, `mro`...), wherever they appear: as
    /// attributes, as names (`__builtins__`), and as whole string constants (what `getattr`,
    /// `__match_args__` or `attrgetter` would be handed). Both lists live in
    /// `roles/policy/attributes.toml`.
    ///
    /// ## Why is this bad
    /// The dunder protocol connects every object to every other: `().__class__.__base__
    /// .__subclasses__()` lists every class in the interpreter, and any function's
    /// `__globals__` holds its module's namespace, builtins included. Frames reach the
    /// callers' globals.
    ///
    /// ## Example
    /// ```python
    /// [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "Popen"]
    /// ```
    pub static DUNDER_ACCESS = {
        code: "PX300",
        name: "dunder-access",
        summary: "dunder, frame and code attributes (__class__, __globals__, gi_frame, f_back)",
        see_also: "",
    };
}

/// A name used as an attribute or variable.
pub(crate) fn check_escape_name(checker: &mut Checker<'_, '_>, name: &str, range: TextRange) {
    if checker.policy.attributes.is_escape(name) {
        checker.report(
            &DUNDER_ACCESS,
            range,
            format!("`{name}` reaches interpreter internals"),
        );
    }
}

/// A string constant whose whole value is an escape name.
pub(crate) fn check_escape_string(checker: &mut Checker<'_, '_>, value: &str, range: TextRange) {
    let trimmed = value.trim();
    if trimmed.len() <= 64 && checker.policy.attributes.is_escape(trimmed) {
        checker.report(
            &DUNDER_ACCESS,
            range,
            format!("string {trimmed:?} names an attribute that reaches interpreter internals"),
        );
    }
}
