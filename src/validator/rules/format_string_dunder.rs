use ruff_python_ast::{Expr, ExprCall, Operator};
use ruff_text_size::{Ranged, TextRange};

use super::declare_rule;
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// Flags `str.format` replacement fields that walk into private, dunder or frame
    /// attributes (`"{0.__class__}"`, `"{f.__globals__}"`), in any string constant or
    /// f-string text, and `.format`/`.format_map` calls on a template the validator cannot
    /// see whole: a template must be a literal, or joined from literal pieces each of which
    /// closes its own fields (`"{:<10}" * 3`, `" | ".join(["{:>8}"] * n)`). The same holds
    /// for templates handed to a library with the `{` style (`logging.Formatter(fmt,
    /// style="{")`). A template that comes from data goes through `string.Template`.
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
    let mut budget = TEMPLATE_STEPS;
    if template_is_known(checker, attribute.value.as_ref(), 0, &mut budget) {
        return;
    }
    checker.report(
        &FORMAT_STRING_DUNDER,
        call.range(),
        format!("`.{method}()` on a format string built from values the validator cannot see; use an f-string, a template of literal pieces, format(value, spec), or string.Template(text).substitute(...) for a template that comes from data"),
    );
}

/// A call handed the brace style marker `"{"` (`logging.Formatter(fmt, style="{")`,
/// `logging.basicConfig(format=..., style="{")`, a subclass's `super().__init__(fmt, None,
/// "{")`): the library formats its template with `str.format`, which walks the attributes
/// its fields name. Every other argument must then be a known template or a constant.
pub(crate) fn check_brace_style_call(checker: &mut Checker<'_, '_>, call: &ExprCall) {
    let is_marker = |e: &Expr| {
        let mut budget = TEMPLATE_STEPS;
        holds_marker(checker, e, 0, &mut budget)
    };
    let arguments = call
        .arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|k| &k.value));
    let style_computed = call.arguments.keywords.iter().any(|k| {
        k.arg.as_ref().is_some_and(|a| a.id.as_str() == "style")
            && !matches!(&k.value, Expr::StringLiteral(_))
    });
    if !style_computed && !arguments.clone().any(is_marker) {
        return;
    }
    let unpacked = call.arguments.keywords.iter().any(|k| k.arg.is_none());
    for argument in arguments {
        if is_marker(argument) {
            continue;
        }
        if unpacked || argument.is_starred_expr() {
            checker.report(
                &FORMAT_STRING_DUNDER,
                argument.range(),
                "a `{`-style call with unpacked arguments: pass the template and style directly"
                    .to_owned(),
            );
            return;
        }
        let constant = matches!(
            argument,
            Expr::NoneLiteral(_) | Expr::BooleanLiteral(_) | Expr::NumberLiteral(_)
        );
        let mut budget = TEMPLATE_STEPS;
        if unpacked
            || argument.is_starred_expr()
            || !(constant || template_is_known(checker, argument, 0, &mut budget))
        {
            checker.report(
                &FORMAT_STRING_DUNDER,
                argument.range(),
                "a `{`-style template is formatted with str.format, which reads the attributes its fields name: write it as a literal (or literal pieces), or use style=\"%\" or \"$\"".to_owned(),
            );
            return;
        }
    }
}

/// Whether `expr` is, or carries, the brace style marker `"{"`: the literal, a name ever
/// assigned it, a dict, list or tuple holding it (`**{"style": "{"}`, `*[None, "{"]`).
/// The run-time guard refuses attribute fields in logging's `{` style whatever the spelling.
fn holds_marker(checker: &Checker<'_, '_>, expr: &Expr, depth: u8, budget: &mut u32) -> bool {
    if depth > TEMPLATE_DEPTH || *budget == 0 {
        return false;
    }
    *budget -= 1;
    let inner = |e: &Expr, budget: &mut u32| holds_marker(checker, e, depth + 1, budget);
    match expr {
        Expr::StringLiteral(s) => s.value.to_str() == "{",
        Expr::Starred(starred) => inner(&starred.value, budget),
        Expr::List(list) => list.elts.iter().any(|e| inner(e, budget)),
        Expr::Tuple(tuple) => tuple.elts.iter().any(|e| inner(e, budget)),
        Expr::Dict(dict) => dict.items.iter().any(|item| inner(&item.value, budget)),
        Expr::Name(name) => checker
            .bindings
            .assignments(name.id.as_str())
            .is_some_and(|values| values.iter().flatten().any(|v| inner(v, budget))),
        _ => false,
    }
}

/// Most expressions visited to decide whether one template is known.
const TEMPLATE_STEPS: u32 = 256;
/// Deepest chain of names followed.
const TEMPLATE_DEPTH: u8 = 8;

/// True when every replacement field of the template is written in the program, where the
/// string scan checks it: the template is built only from literal pieces each of whose fields
/// closes within the piece (`"{:<10}" * n`, `"{} " + "| {}"`, `" | ".join(["{:>8}"] * 3)`),
/// joined by `+`, repeated by `*` or `str.join`, chosen by `if`/`else`, or held by the
/// program's own name only ever assigned such templates. Pieces that close their fields
/// cannot make a new field when joined, so the fields of the whole are the pieces' fields.
fn template_is_known(checker: &Checker<'_, '_>, expr: &Expr, depth: u8, budget: &mut u32) -> bool {
    if depth > TEMPLATE_DEPTH || *budget == 0 {
        return false;
    }
    *budget -= 1;
    let known = |e: &Expr, budget: &mut u32| template_is_known(checker, e, depth + 1, budget);
    match expr {
        Expr::StringLiteral(literal) => fields_close_within(literal.value.to_str()),
        Expr::BinOp(binop) => match binop.op {
            Operator::Add => known(&binop.left, budget) && known(&binop.right, budget),
            // A known template repeated by a count the validator can see: an integer
            // literal, `len(...)`, or a name only ever assigned those. Any other operand's
            // `__rmul__`/`__mul__` could return any string.
            Operator::Mult => {
                (known(&binop.left, budget) && is_count(checker, &binop.right, depth + 1, budget))
                    || (known(&binop.right, budget)
                        && is_count(checker, &binop.left, depth + 1, budget))
            }
            _ => false,
        },
        Expr::If(choice) => known(&choice.body, budget) && known(&choice.orelse, budget),
        Expr::Call(call) => {
            // `sep.join([piece, ...])`, `sep.join([piece] * n)`.
            let Expr::Attribute(join) = call.func.as_ref() else {
                return false;
            };
            if join.attr.id.as_str() != "join"
                || !call.arguments.keywords.is_empty()
                || call.arguments.args.len() != 1
            {
                return false;
            }
            known(&join.value, budget)
                && pieces_are_known(checker, &call.arguments.args[0], depth + 1, budget)
        }
        Expr::Name(name) => {
            let id = name.id.as_str();
            // The program's own name here (not a builtin such as `str`), only ever assigned
            // known templates.
            checker.is_local(id)
                && checker.bindings.assignments(id).is_some_and(|values| {
                    !values.is_empty() && values.iter().all(|v| v.is_some_and(|v| known(v, budget)))
                })
        }
        _ => false,
    }
}

/// An integer the program cannot make into anything else: an int literal, `len(...)` (the
/// builtin, never rebound: it always returns an int), arithmetic of those, or the program's
/// own name only ever assigned such.
fn is_count(checker: &Checker<'_, '_>, expr: &Expr, depth: u8, budget: &mut u32) -> bool {
    if depth > TEMPLATE_DEPTH || *budget == 0 {
        return false;
    }
    *budget -= 1;
    match expr {
        Expr::NumberLiteral(number) => number.value.is_int(),
        Expr::Call(call) => super::storage_path::is_builtin_call(checker, call, "len"),
        Expr::BinOp(binop) => {
            matches!(binop.op, Operator::Add | Operator::Sub | Operator::Mult)
                && is_count(checker, &binop.left, depth + 1, budget)
                && is_count(checker, &binop.right, depth + 1, budget)
        }
        Expr::Name(name) => {
            let id = name.id.as_str();
            checker.is_local(id)
                && checker.bindings.assignments(id).is_some_and(|values| {
                    !values.is_empty()
                        && values
                            .iter()
                            .all(|v| v.is_some_and(|v| is_count(checker, v, depth + 1, budget)))
                })
        }
        _ => false,
    }
}

/// The sequence handed to `str.join` in a known template: a list or tuple of known
/// templates, or such a list repeated.
fn pieces_are_known(checker: &Checker<'_, '_>, expr: &Expr, depth: u8, budget: &mut u32) -> bool {
    match expr {
        Expr::List(list) => list
            .elts
            .iter()
            .all(|e| template_is_known(checker, e, depth, budget)),
        Expr::Tuple(tuple) => tuple
            .elts
            .iter()
            .all(|e| template_is_known(checker, e, depth, budget)),
        Expr::BinOp(binop) if binop.op == Operator::Mult => {
            (pieces_are_known(checker, &binop.left, depth, budget)
                && is_count(checker, &binop.right, depth + 1, budget))
                || (pieces_are_known(checker, &binop.right, depth, budget)
                    && is_count(checker, &binop.left, depth + 1, budget))
        }
        _ => false,
    }
}

/// True when every `{` of `text` that opens a replacement field is closed within `text`
/// (format specs may nest one more field, `{:{width}}`), and every `}` closes one or is
/// doubled: joined with other such pieces, it starts and ends outside any field. A field
/// with brackets does not count as closed.
fn fields_close_within(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '}' => return false,
            '{' => {
                let mut open = 1u32;
                for c in chars.by_ref() {
                    match c {
                        // Brackets change where str.format ends a field name: a piece that
                        // indexes is judged only as a whole literal.
                        '[' | ']' => return false,
                        '{' => open += 1,
                        '}' => {
                            open -= 1;
                            if open == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                if open != 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}
