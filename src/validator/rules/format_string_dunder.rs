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
    for name in field_names(text) {
        if let Some(attr) = offending_part(checker, &name) {
            checker.report(
                &FORMAT_STRING_DUNDER,
                range,
                format!("format field `{{{name}}}` reads attribute `{attr}`"),
            );
            return;
        }
    }
}

/// The field names of every replacement field, parsed as `str.format` parses them: the name
/// runs to the first `!`, `:` or `}` outside square brackets (`{0[!].__globals__}` names
/// `0[!].__globals__`). Escaped braces are not skipped: a string formatted twice un-escapes
/// them.
fn field_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        while chars.peek() == Some(&'{') {
            chars.next();
        }
        let mut name = String::new();
        let mut in_brackets = false;
        for c in chars.by_ref() {
            match c {
                '[' if !in_brackets => {
                    in_brackets = true;
                    name.push(c);
                }
                ']' if in_brackets => {
                    in_brackets = false;
                    name.push(c);
                }
                '!' | ':' | '}' | '{' if !in_brackets => break,
                _ => name.push(c),
            }
        }
        names.push(name);
    }
    names
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
        // The program's own name here (not a builtin such as `str`), only ever assigned
        // literals.
        let literal_only = checker.is_local(id)
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
