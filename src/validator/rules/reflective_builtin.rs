use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use super::declare_rule;
use crate::names::bindings::Resolved;
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// Flags `getattr`, `setattr` and `delattr` with a computed attribute name or a private
    /// one (starting with `_`), and references to the namespace and debugging builtins
    /// `globals`, `locals`, `vars`, `breakpoint`, `help`, `input`, and the `inspect`, `gc`,
    /// `traceback` modules and `operator.attrgetter`/`methodcaller`.
    ///
    /// ## Why is this bad
    /// A computed attribute name hides from every other rule what is being reached:
    /// `getattr(x, "__cl" + "ass__")`. Namespace builtins hand out `__builtins__` and every
    /// global at once.
    ///
    /// ## Example
    /// ```python
    /// name = "".join(["__", "globals", "__"])
    /// getattr(print, name)
    /// ```
    pub static REFLECTIVE_BUILTIN = {
        code: "PX301",
        name: "reflective-builtin",
        summary: "computed getattr/setattr/delattr, globals/locals/vars, inspect, gc",
        see_also: "ruff B009/B010 (constant getattr/setattr) for the benign form",
    };
}

const REFLECTIVE: &[&str] = &["builtins.getattr", "builtins.setattr", "builtins.delattr"];

/// Methods that read attributes named in their arguments (`str.format` walks `{0.a.b}`): under
/// a literal name in getattr or operator's getters they are the method as a value, whose
/// template the format rule never sees (`getattr(template, "format")(obj)`).
const NAME_READING_METHODS: &[&str] = &["format", "format_map", "vformat", "get_field"];

/// Methods whose arguments are checked where they are called: templates, pandas
/// expressions (`eval`, `query`), data paths (the heavy tier's `[io.methods]`). Under a
/// literal name in getattr or operator's getters, or as a value (`run = df.eval`,
/// `partial(df.to_csv, path)`), their arguments would go unchecked.
pub(crate) fn call_checked_method(checker: &Checker<'_, '_>, name: &str) -> bool {
    NAME_READING_METHODS.contains(&name)
        || matches!(name, "eval" | "query")
        || checker
            .tier
            .io
            .as_ref()
            .is_some_and(|io| io.is_method(name))
}

/// `operator.attrgetter("a.b", "c")` and `operator.methodcaller("name", ...)`: the names
/// must be literals, public, and no escape.
fn check_getter_call(checker: &mut Checker<'_, '_>, call: &ExprCall, resolved: &[Resolved]) {
    let attrgetter = resolved.iter().any(|r| r.path == "operator.attrgetter");
    let methodcaller = resolved.iter().any(|r| r.path == "operator.methodcaller");
    if !attrgetter && !methodcaller {
        return;
    }
    let names: Vec<&Expr> = if attrgetter {
        call.arguments.args.iter().collect()
    } else {
        call.arguments.args.iter().take(1).collect()
    };
    let function = if attrgetter {
        "attrgetter"
    } else {
        "methodcaller"
    };
    if names.is_empty() || call.arguments.keywords.iter().any(|k| k.arg.is_none()) {
        checker.report(
            &REFLECTIVE_BUILTIN,
            call.range(),
            format!("`operator.{function}` needs its names as literal strings"),
        );
        return;
    }
    for name in names {
        let Expr::StringLiteral(literal) = name else {
            checker.report(
                &REFLECTIVE_BUILTIN,
                name.range(),
                format!("`operator.{function}` with a computed name; write the name as a literal"),
            );
            continue;
        };
        let text = literal.value.to_str();
        if text
            .split('.')
            .any(|part| call_checked_method(checker, part))
        {
            checker.report(
                &REFLECTIVE_BUILTIN,
                name.range(),
                format!("`operator.{function}` of {text:?}, whose arguments are checked only where it is called; call `.{text}(...)` directly"),
            );
            continue;
        }
        if text.split('.').any(|part| {
            part.is_empty() || part.starts_with('_') || checker.policy.attributes.is_escape(part)
        }) {
            checker.report(
                &REFLECTIVE_BUILTIN,
                name.range(),
                format!("`operator.{function}` of private attribute {text:?}"),
            );
        }
    }
}

pub(crate) fn check_reflective_call(
    checker: &mut Checker<'_, '_>,
    call: &ExprCall,
    resolved: &[Resolved],
) {
    check_getter_call(checker, call, resolved);
    let Some(function) = resolved
        .iter()
        .find(|r| REFLECTIVE.contains(&r.path.as_str()))
        .map(|r| r.path.trim_start_matches("builtins.").to_owned())
    else {
        return;
    };
    let name_arg = call.arguments.args.get(1).or_else(|| {
        call.arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == "name"))
            .map(|k| &k.value)
    });
    let message = match name_arg {
        Some(Expr::StringLiteral(literal)) => {
            let name = literal.value.to_str();
            if call_checked_method(checker, name) {
                format!("`{function}` of {name:?}, whose arguments are checked only where it is called; call `.{name}(...)` directly")
            } else if !name.starts_with('_') {
                return;
            } else {
                format!("`{function}` with private attribute name {name:?}")
            }
        }
        Some(_) => format!("`{function}` with a computed attribute name; write `obj.name` instead"),
        None if call.arguments.args.iter().any(|a| a.is_starred_expr()) => {
            format!("`{function}` with unpacked arguments hides the attribute name")
        }
        None => return,
    };
    checker.report(&REFLECTIVE_BUILTIN, call.range(), message);
}
