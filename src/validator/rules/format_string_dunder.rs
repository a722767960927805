use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::{Ranged, TextRange};

use super::declare_rule;
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// Flags `str.format` replacement fields that walk into private, dunder or frame
    /// attributes (`"{0.__class__}"`, `"{f.__globals__}"`), in any string constant or
    /// f-string text, and `.format`/`.format_map` calls on a format string that is not a
    /// literal (so its fields cannot be checked).
    ///
    /// ## Why is this bad
    /// `str.format` performs attribute access itself: `"{0.__init__.__globals__}".format(obj)`
    /// reads a module's globals with no `.` in the Python code. Format strings built at run
    /// time could contain anything.
    ///
    /// ## Example
    /// ```python
    /// print("{0.__class__.__base__.__subclasses__}".format(()))
    /// ```
    pub static FORMAT_STRING_DUNDER = {
        code: "PX302",
        name: "format-string-dunder",
        summary: "format fields reaching dunder attributes, and non-literal format strings",
        see_also: "",
    };
}

/// Scans the replacement fields of a string that may be used as a format string. Escaped
/// braces (`{{`) are scanned too: a string formatted twice un-escapes them.
pub(crate) fn check_format_fields(checker: &mut Checker<'_, '_>, text: &str, range: TextRange) {
    if !text.contains('{') {
        return;
    }
    for field in text.split('{').skip(1) {
        let field = field.split('}').next().unwrap_or_default();
        let name = field.split(['!', ':']).next().unwrap_or_default();
        if let Some(attr) = offending_part(checker, name) {
            checker.report(
                &FORMAT_STRING_DUNDER,
                range,
                format!("format field `{{{name}}}` reads attribute `{attr}`"),
            );
            return;
        }
    }
}

/// The first attribute or argument name of a field that must not be reached.
fn offending_part<'n>(checker: &Checker<'_, '_>, field_name: &'n str) -> Option<&'n str> {
    let mut parts = field_name.split(['.', '[']);
    let first = parts.next().unwrap_or_default().trim();
    if checker.policy.attributes.is_escape(first) {
        return Some(first);
    }
    parts
        .map(|part| part.trim_end_matches(']').trim())
        .find(|part| part.starts_with('_') || checker.policy.attributes.is_escape(part))
}

pub(crate) fn check_format_call(checker: &mut Checker<'_, '_>, call: &ExprCall) {
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return;
    };
    let method = attribute.attr.id.as_str();
    if method != "format" && method != "format_map" {
        return;
    }
    if matches!(attribute.value.as_ref(), Expr::StringLiteral(_)) {
        return;
    }
    // A name only ever assigned literal templates (each of which is scanned where it
    // stands): `TEMPLATE = "..."` then `TEMPLATE.format(...)`.
    if let Expr::Name(name) = attribute.value.as_ref() {
        let id = name.id.as_str();
        let literal_only = checker.bindings.imports(id).is_empty()
            && checker.bindings.assignments(id).is_some_and(|values| {
                values
                    .iter()
                    .all(|v| matches!(v, Some(Expr::StringLiteral(_))))
            });
        if literal_only {
            return;
        }
    }
    checker.report(
        &FORMAT_STRING_DUNDER,
        call.range(),
        format!("`.{method}()` on a format string that is not a literal; use an f-string, a literal template, or format(value, spec)"),
    );
}
