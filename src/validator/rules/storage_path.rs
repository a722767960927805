use ruff_python_ast::{Expr, ExprCall, InterpolatedStringElement, Operator};
use ruff_text_size::Ranged;

use super::declare_rule;
use crate::names::bindings::Resolved;
use crate::policy::{IoPolicy, Signature};
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// In the heavy tier, checks the path handed to data I/O functions (`open`,
    /// `pandas.read_*`, `polars.scan_*`, `pyarrow.parquet.write_table`, `fsspec.open`...)
    /// and methods (`df.to_parquet`, `lf.sink_csv`, `fig.savefig`...), as listed in
    /// `roles/policy/heavy.toml` [io]. A path is accepted when it is
    /// - a storage URL with an allowed scheme (`s3://`, `az://`, `abfs://`...), or
    /// - a relative path with no `..`: it lands in the job's own output folder, or
    /// - built from `OUTPUT_DIR` (f-string, `+`), or an in-memory buffer (`io.StringIO`), or
    /// - a variable only ever assigned such values.
    ///
    /// Anything else (absolute paths, `..` even when split across concatenated literals,
    /// other schemes such as `file:` or `http://`, values computed at run time) is refused.
    /// Pieces placed inside a path after its start (`f"out/{name}.csv"`) must be literals,
    /// numbers, numbers formatted with a numeric spec (`{i:03d}`), or loop variables over a
    /// literal list or `range()`, or the index of `enumerate()`. The arguments of an I/O call
    /// are an allowlist: only parameters the real runtime declares for that function or method
    /// (`roles/policy/objects/io-signatures.tsv`), never the `[io].forbidden_keywords`
    /// (`allow_pickle`, `filesystem`...) by keyword or by position, in any call of the heavy
    /// tier; no `**` or `*` arguments; options dicts (`storage_options=`, `*_options=`,
    /// `*_kwargs=`) written out with literal keys. Readers and writers the policy does not
    /// list are refused by the object table (`numpy.fromfile`, `pyarrow.memory_map`,
    /// `fsspec.filesystem`, and any library callable with a path parameter).
    ///
    /// ## Why is this bad
    /// Heavy jobs may read and write data, but only their inputs in storage and their own
    /// output folder: a path to `/etc` or `../other-job` is file access under another name.
    ///
    /// ## Example
    /// ```python
    /// import pandas as pd
    /// pd.read_csv("/var/run/secrets/kubernetes.io/serviceaccount/token")
    /// ```
    pub static STORAGE_PATH = {
        code: "PX400",
        name: "storage-path",
        summary: "heavy-tier data I/O on a path outside storage URLs and the output folder",
        see_also: "",
    };
}

/// Deepest chain of variable-to-variable assignments followed.
const MAX_DEPTH: u8 = 8;
/// Most expressions visited to check one path argument. Each name may have several
/// assignments and each may name others, so without a budget the walk is exponential in
/// the depth (a 2 KB program could take hours); past it the path is refused as too complex.
const MAX_STEPS: u32 = 4096;

/// Checks a data I/O call's path. Returns true when the callee was an I/O *function* of the
/// policy, so that the caller does not judge it again against the deny list.
pub(crate) fn check_io_call(
    checker: &mut Checker<'_, '_>,
    call: &ExprCall,
    resolved: &[Resolved],
) -> bool {
    let Some(io) = checker.tier.io.as_ref() else {
        return false;
    };
    // An I/O entry that names a function exactly (`builtins.open`) overrides the deny list;
    // a pattern does not: `pandas.read_pickle` matches `pandas.read_*` but stays refused as
    // dynamic code.
    let function = resolved.iter().find_map(|r| {
        let function = io.function(&r.path)?;
        let exact = !function.path.ends_with('*');
        (exact || checker.policy.deny.find(&r.path).is_none())
            .then_some((r.path.as_str(), function))
    });
    let (position, keyword, handled) = match function {
        Some((path, function)) => {
            let callee = Callee {
                name: path,
                signature: io.function_signature(path),
                any_keyword: function.any_keyword,
                path_position: function.arg,
                path_keywords: std::slice::from_ref(&function.keyword),
            };
            if arguments_refused(checker, io, call, &callee) {
                return true;
            }
            (function.arg, function.keyword.as_str(), true)
        }
        None => {
            // A library function that reads or writes by path, under a name the policy does
            // not list (numpy.genfromtxt, pandas.io.parsers.read_csv).
            // Only the data libraries' functions: the lightweight tier's modules (json.loads)
            // take strings or file objects, never paths.
            if let Some(unlisted) = resolved.iter().find(|r| is_unlisted_io(checker, io, r)) {
                checker.report(
                    &STORAGE_PATH,
                    call.func.range(),
                    format!(
                        "`{}` reads or writes files and is not one of the data I/O functions the heavy tier checks (see `pyexec explain PX400`)",
                        unlisted.path
                    ),
                );
                return false;
            }
            match call.func.as_ref() {
                // A module's function (`json.dump(obj, sys.stdout)`) is judged by the object
                // table, not as a method of a data value.
                Expr::Attribute(attr)
                    if io.is_method(attr.attr.id.as_str())
                        && !checker.bindings.is_import_path(&call.func) =>
                {
                    return check_method_call(checker, io, call, attr.attr.id.as_str());
                }
                _ => {
                    // Any other call, a loader the policy does not list included
                    // (`numpy.lib.npyio.NpzFile(path, allow_pickle=True)`).
                    if let Some(keyword) = call.arguments.keywords.iter().find_map(|k| {
                        k.arg
                            .as_ref()
                            .filter(|a| io.is_forbidden_keyword(a.id.as_str()))
                    }) {
                        checker.report(
                            &STORAGE_PATH,
                            keyword.range(),
                            format!("keyword `{}` is not allowed in any call of the heavy tier (it unpickles, maps files or brings its own file system)", keyword.id),
                        );
                    }
                    return false;
                }
            }
        }
    };
    let argument = call.arguments.args.get(position).or_else(|| {
        call.arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == keyword))
            .map(|k| &k.value)
    });
    if let Some(argument) = argument {
        let mut budget = MAX_STEPS;
        let verdict = path_is_safe(checker, io, argument, 0, &mut budget);
        checker.bindings.charge(u64::from(MAX_STEPS - budget));
        if let Err(why) = verdict {
            checker.report(
                &STORAGE_PATH,
                argument.range(),
                format!("data path refused: {why}"),
            );
        }
    }
    handled
}

/// A data method (`df.to_csv`): its first argument and every path keyword are checked.
fn check_method_call(
    checker: &mut Checker<'_, '_>,
    io: &IoPolicy,
    call: &ExprCall,
    method: &str,
) -> bool {
    let callee = Callee {
        name: method,
        signature: io.method_signature(method),
        any_keyword: false,
        path_position: 0,
        path_keywords: &io.methods.path_keywords,
    };
    if arguments_refused(checker, io, call, &callee) {
        return false;
    }
    let keywords = call.arguments.keywords.iter().filter(|k| {
        k.arg
            .as_ref()
            .is_some_and(|a| io.methods.path_keywords.iter().any(|p| p == a.id.as_str()))
    });
    for argument in call
        .arguments
        .args
        .first()
        .into_iter()
        .chain(keywords.map(|k| &k.value))
    {
        let mut budget = MAX_STEPS;
        if let Err(why) = path_is_safe(checker, io, argument, 0, &mut budget) {
            checker.report(
                &STORAGE_PATH,
                argument.range(),
                format!("data path refused: {why}"),
            );
        }
    }
    false
}

/// The I/O function or method a call reaches, and what it may be given.
struct Callee<'p> {
    /// `pandas.read_csv`, or a method's name.
    name: &'p str,
    signature: Option<&'p Signature>,
    any_keyword: bool,
    path_position: usize,
    /// Keywords that carry the path (checked as paths, so accepted here).
    path_keywords: &'p [String],
}

/// Reports the call when `refused_arguments` finds a reason; true when it did.
fn arguments_refused(
    checker: &mut Checker<'_, '_>,
    io: &IoPolicy,
    call: &ExprCall,
    callee: &Callee<'_>,
) -> bool {
    let Some(why) = refused_arguments(checker, io, call, callee) else {
        return false;
    };
    checker.report(
        &STORAGE_PATH,
        call.range(),
        format!("data I/O call refused: {why}"),
    );
    true
}

/// Arguments that could carry a path, a file system or an unpickling switch past the check,
/// or that the policy cannot see into: `**kwargs` and `*args`; keywords the policy forbids or
/// that are not parameters of the callee as the real runtime declares them; positional
/// arguments that fill a forbidden parameter, or whose parameter is unknown; options dicts
/// not written out with literal keys.
fn refused_arguments(
    checker: &Checker<'_, '_>,
    io: &IoPolicy,
    call: &ExprCall,
    callee: &Callee<'_>,
) -> Option<String> {
    let name = callee.name;
    for keyword in &call.arguments.keywords {
        let Some(arg) = &keyword.arg else {
            return Some(
                "`**` arguments hide what the call reads or writes; pass them by name".to_owned(),
            );
        };
        let arg = arg.id.as_str();
        if io.is_forbidden_keyword(arg) {
            return Some(format!(
                "keyword `{arg}` is not allowed in data I/O (it unpickles, maps files or brings its own file system)"
            ));
        }
        let known = callee.any_keyword
            || callee.path_keywords.iter().any(|k| k == arg)
            || callee.signature.is_some_and(|s| s.keywords.contains(arg));
        if !known {
            return Some(format!(
                "`{name}` has no parameter `{arg}` that the policy knows; pass only its documented parameters"
            ));
        }
        if is_options_keyword(arg) {
            let mut budget = MAX_STEPS;
            if let Err(why) = options_are_plain(checker, io, &keyword.value, 0, &mut budget) {
                return Some(format!("`{arg}=`: {why}"));
            }
        }
        if matches!(arg, "storage_options" | "cloud_options") {
            if !matches!(
                keyword.value,
                Expr::Dict(_) | Expr::Call(_) | Expr::NoneLiteral(_)
            ) {
                return Some(format!(
                    "`{arg}=`: write the storage options out as a dict where they are passed"
                ));
            }
            if let Some(key) = storage_option_keys(&keyword.value)
                .into_iter()
                .find(|k| !io.is_storage_option_key(k))
            {
                return Some(format!(
                    "`{arg}=`: `{key}` is not one of the storage options a job may set (credentials, region, anon); the endpoint is the service's configuration"
                ));
            }
        }
    }
    for (index, argument) in call.arguments.args.iter().enumerate() {
        if argument.is_starred_expr() {
            return Some(
                "`*` arguments hide which parameters they fill; pass the path and options directly"
                    .to_owned(),
            );
        }
        if index == callee.path_position {
            continue;
        }
        let signature = callee.signature;
        match signature.and_then(|s| s.slot(index)) {
            Some(names) => {
                if let Some(forbidden) = names.iter().find(|n| io.is_forbidden_keyword(n)) {
                    return Some(format!(
                        "argument {} of `{name}` is `{forbidden}`, which is not allowed in data I/O",
                        index + 1
                    ));
                }
            }
            // Past the positions of a callable taking `*args`: its data (`numpy.savez`).
            None if signature.is_some_and(|s| s.slots.is_some() && s.star) => {}
            // Past every position: Python refuses the call itself.
            None if signature.is_some_and(|s| s.slots.is_some()) => {}
            None => {
                return Some(format!(
                    "the parameters of `{name}` are unknown to the policy, so argument {} cannot be checked; pass options by keyword",
                    index + 1
                ))
            }
        }
    }
    None
}

/// pyarrow's options classes, taken where its readers and writers take `*_options`.
const PYARROW_OPTIONS: &[&str] = &[
    "pyarrow.csv.ReadOptions",
    "pyarrow.csv.ParseOptions",
    "pyarrow.csv.ConvertOptions",
    "pyarrow.csv.WriteOptions",
    "pyarrow.json.ReadOptions",
    "pyarrow.json.ParseOptions",
];

/// The literal keys of an options dict written out (`options_are_plain` has already refused
/// any other shape, names only ever assigned such dicts included).
fn storage_option_keys(expr: &Expr) -> Vec<&str> {
    match expr {
        Expr::Dict(dict) => dict
            .items
            .iter()
            .filter_map(|item| match &item.key {
                Some(Expr::StringLiteral(key)) => Some(key.value.to_str()),
                _ => None,
            })
            .collect(),
        Expr::Call(call) => call
            .arguments
            .keywords
            .iter()
            .filter_map(|k| k.arg.as_ref().map(|a| a.id.as_str()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Keywords whose value is a dict of further options handed to a library or file system
/// (`storage_options`, `cloud_options`, `engine_kwargs`): a forbidden key inside one is the
/// forbidden keyword again.
fn is_options_keyword(name: &str) -> bool {
    name.ends_with("_options") || name.ends_with("_kwargs")
}

/// An options dict written out: a dict literal (or `dict(...)` with keywords) whose keys are
/// literal strings none of which the policy forbids, nested dicts likewise, no `**`; or a name
/// only ever assigned such dicts; or `None`.
fn options_are_plain(
    checker: &Checker<'_, '_>,
    io: &IoPolicy,
    expr: &Expr,
    depth: u8,
    budget: &mut u32,
) -> Result<(), String> {
    take_step(depth, budget)?;
    let forbidden = |key: &str| {
        if io.is_forbidden_keyword(key) {
            Err(format!("option `{key}` is not allowed in data I/O"))
        } else {
            Ok(())
        }
    };
    match expr {
        Expr::NoneLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_) => Ok(()),
        Expr::Dict(dict) => {
            for item in &dict.items {
                let Some(Expr::StringLiteral(key)) = &item.key else {
                    return Err(
                        "write the options out as a dict with literal string keys".to_owned()
                    );
                };
                forbidden(key.value.to_str())?;
                options_are_plain(checker, io, &item.value, depth + 1, budget)?;
            }
            Ok(())
        }
        Expr::Call(call)
            if call.arguments.args.is_empty()
                && matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == "dict" && !checker.is_local("dict")) =>
        {
            for keyword in &call.arguments.keywords {
                let Some(arg) = &keyword.arg else {
                    return Err("`**` hides which options are given".to_owned());
                };
                forbidden(arg.id.as_str())?;
                options_are_plain(checker, io, &keyword.value, depth + 1, budget)?;
            }
            Ok(())
        }
        // pyarrow's options objects (`pacsv.ConvertOptions(column_types=...)`): pyarrow takes
        // these, not dicts. Their parameters are parsing and conversion settings; none hands in
        // a file system or opener, and their values are judged where they are written.
        Expr::Call(call)
            if checker
                .resolve(&call.func)
                .iter()
                .any(|r| r.binding.is_some() && PYARROW_OPTIONS.contains(&r.path.as_str())) =>
        {
            if !call.arguments.args.is_empty() {
                return Err("pass pyarrow's options by keyword".to_owned());
            }
            for keyword in &call.arguments.keywords {
                let Some(arg) = &keyword.arg else {
                    return Err("`**` hides which options are given".to_owned());
                };
                forbidden(arg.id.as_str())?;
            }
            Ok(())
        }
        Expr::Name(name) if checker.is_local(name.id.as_str()) => {
            let values = checker
                .bindings
                .assignments(name.id.as_str())
                .ok_or("the options come from a name assigned elsewhere")?;
            for value in values {
                let value =
                    value.ok_or("the options come from a value that cannot be read statically")?;
                options_are_plain(checker, io, value, depth + 1, budget)?;
            }
            Ok(())
        }
        Expr::List(list) => list
            .elts
            .iter()
            .try_for_each(|e| options_are_plain(checker, io, e, depth + 1, budget)),
        Expr::Tuple(tuple) => tuple
            .elts
            .iter()
            .try_for_each(|e| options_are_plain(checker, io, e, depth + 1, budget)),
        _ => Err("write the options out as a dict of literal values".to_owned()),
    }
}

/// A data library's reader or writer under a name the `[io]` functions do not list
/// (`numpy.genfromtxt`, `pyarrow.parquet.ParquetWriter`). Only the data libraries': the
/// lightweight tier's modules (json.loads) take strings or file objects, never paths.
pub(crate) fn is_unlisted_io(checker: &Checker<'_, '_>, io: &IoPolicy, r: &Resolved) -> bool {
    let root = r.path.split('.').next().unwrap_or(&r.path);
    r.binding.is_some() && !checker.policy.lightweight.allows(root) && io.looks_like_io(&r.path)
}

/// `OUTPUT_DIR`/`INPUT_DIR` themselves (or a name only ever assigned one of them): what
/// follows must start with `/`, or `OUTPUT_DIR + "x.csv"` is `/workx.csv`, outside the folder
/// (tenth review).
fn is_bare_folder(checker: &Checker<'_, '_>, io: &IoPolicy, expr: &Expr, depth: u8) -> bool {
    let Expr::Name(name) = expr else {
        return false;
    };
    let id = name.id.as_str();
    if !checker.bindings.imports(id).is_empty() || depth > MAX_DEPTH {
        return false;
    }
    match checker.bindings.assignments(id) {
        None => io.output_dir_names.iter().any(|n| n == id),
        Some(values) => values
            .iter()
            .any(|v| v.is_some_and(|v| is_bare_folder(checker, io, v, depth + 1))),
    }
}

/// The piece after a bare folder name starts with a separator.
fn separated(next: Option<String>) -> Result<(), String> {
    match next {
        Some(text) if !text.starts_with('/') => Err(format!(
            "a piece joined to OUTPUT_DIR or INPUT_DIR must start with `/` ({text:?} would make a sibling of the folder); write OUTPUT_DIR + \"/name\""
        )),
        _ => Ok(()),
    }
}

/// One expression of a path check: refused past the assignment depth or the step budget.
fn take_step(depth: u8, budget: &mut u32) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("too many assignments to follow".to_owned());
    }
    if *budget == 0 {
        return Err("the path is built in too many ways to check".to_owned());
    }
    *budget -= 1;
    Ok(())
}

fn path_is_safe(
    checker: &Checker<'_, '_>,
    io: &IoPolicy,
    expr: &Expr,
    depth: u8,
    budget: &mut u32,
) -> Result<(), String> {
    take_step(depth, budget)?;
    match expr {
        Expr::StringLiteral(literal) => literal_is_safe(io, literal.value.to_str(), true),
        Expr::FString(fstring) => {
            // Everything after the start, joined: `..` may be split across pieces.
            let mut rest = String::new();
            let mut first = true;
            let mut after_folder = false;
            for element in fstring.value.elements() {
                if after_folder {
                    after_folder = false;
                    let next = match element {
                        InterpolatedStringElement::Literal(text) => text.value.to_string(),
                        InterpolatedStringElement::Interpolation(value) => {
                            piece_text(checker, &value.expression)
                        }
                    };
                    separated(Some(next))?;
                }
                match element {
                    InterpolatedStringElement::Literal(text) => {
                        literal_is_safe(io, &text.value, first)?;
                        rest.push_str(&text.value);
                    }
                    InterpolatedStringElement::Interpolation(value) if first => {
                        plain_interpolation(value)?;
                        path_is_safe(checker, io, &value.expression, depth + 1, budget)?;
                        after_folder = is_bare_folder(checker, io, &value.expression, 0);
                    }
                    InterpolatedStringElement::Interpolation(value) => {
                        plain_interpolation(value)?;
                        value_piece_is_safe(checker, io, &value.expression, depth + 1, budget)?;
                        rest.push_str(&piece_text(checker, &value.expression));
                    }
                }
                first = false;
            }
            no_parent(&rest)
        }
        Expr::BinOp(binop) if binop.op == Operator::Add => {
            // Literals on both sides are one path: `"a/." + "./b"` is `a/../b`.
            if let Some(text) = constant_text(expr) {
                return literal_is_safe(io, &text, true);
            }
            // `OUTPUT_DIR + "/." + "./etc"`: the start is checked as a path, everything after
            // it as pieces and, joined, for `..`.
            let mut operands = Vec::new();
            flatten_add(expr, &mut operands);
            let (head, tail) = operands.split_first().ok_or("an empty path")?;
            path_is_safe(checker, io, head, depth + 1, budget)?;
            if is_bare_folder(checker, io, head, 0) {
                separated(tail.first().map(|first| piece_text(checker, first)))?;
            }
            let mut rest = String::new();
            for operand in tail {
                match operand {
                    Expr::StringLiteral(literal) => {
                        literal_is_safe(io, literal.value.to_str(), false)?;
                    }
                    other => value_piece_is_safe(checker, io, other, depth + 1, budget)?,
                }
                rest.push_str(&piece_text(checker, operand));
            }
            no_parent(&rest)
        }
        Expr::Name(name) => {
            let id = name.id.as_str();
            let imported = !checker.bindings.imports(id).is_empty();
            match checker.bindings.assignments(id) {
                None if !imported && io.output_dir_names.iter().any(|n| n == id) => Ok(()),
                Some(values) if !imported => {
                    for value in values {
                        let Some(value) = value else {
                            return Err(format!(
                                "`{id}` is assigned a value that cannot be checked"
                            ));
                        };
                        path_is_safe(checker, io, value, depth + 1, budget)?;
                    }
                    Ok(())
                }
                _ => Err(format!("`{id}` is not a checked path")),
            }
        }
        // The program's standard streams (`df.to_csv(sys.stdout)`): written, never opened.
        Expr::Attribute(_) if is_standard_stream(checker, expr) => Ok(()),
        Expr::Call(call) => {
            let in_memory = checker
                .resolve(&call.func)
                .iter()
                .any(|r| r.path == "io.StringIO" || r.path == "io.BytesIO");
            if in_memory {
                Ok(())
            } else {
                Err("a path computed by a call cannot be checked".to_owned())
            }
        }
        _ => {
            Err("a path must be a storage URL, a relative path or built from OUTPUT_DIR".to_owned())
        }
    }
}

/// `sys.stdout` or `sys.stderr`, through an import of `sys`.
fn is_standard_stream(checker: &Checker<'_, '_>, expr: &Expr) -> bool {
    let resolved = checker.resolve(expr);
    !resolved.is_empty()
        && resolved
            .iter()
            .all(|r| r.binding.is_some() && matches!(r.path.as_str(), "sys.stdout" | "sys.stderr"))
}

/// The operands of a chain of `+`, left to right.
fn flatten_add<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match expr {
        Expr::BinOp(binop) if binop.op == Operator::Add => {
            flatten_add(&binop.left, out);
            flatten_add(&binop.right, out);
        }
        other => out.push(other),
    }
}

/// What a checked piece contributes to the joined path: a literal's text, the one literal a
/// name is ever assigned, or a placeholder that cannot form `..` with its neighbours (a
/// piece with several values may not begin or end with a dot, see `value_piece_is_safe`).
fn piece_text(checker: &Checker<'_, '_>, expr: &Expr) -> String {
    let mut current = expr;
    for _ in 0..MAX_DEPTH {
        match current {
            Expr::StringLiteral(literal) => return literal.value.to_str().to_owned(),
            // `b = a`: follow a name assigned exactly once to what it was assigned.
            Expr::Name(name) => match checker.bindings.assignments(name.id.as_str()) {
                Some([Some(value)]) => current = value,
                _ => break,
            },
            _ => break,
        }
    }
    "\u{0}".to_owned()
}

/// The text of a concatenation of string literals (and f-strings without interpolations).
fn constant_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(literal) => Some(literal.value.to_str().to_owned()),
        Expr::BinOp(binop) if binop.op == Operator::Add => {
            Some(constant_text(&binop.left)? + &constant_text(&binop.right)?)
        }
        _ => None,
    }
}

/// A value placed inside a path after its start: a literal (or a name only ever assigned
/// literals, or a loop variable over `range()` or a literal list) with no `/`-separated `..`
/// and no scheme. Anything computed at run time could be `../../etc/passwd`.
fn value_piece_is_safe(
    checker: &Checker<'_, '_>,
    io: &IoPolicy,
    expr: &Expr,
    depth: u8,
    budget: &mut u32,
) -> Result<(), String> {
    take_step(depth, budget)?;
    match expr {
        Expr::StringLiteral(literal) => literal_is_safe(io, literal.value.to_str(), false),
        Expr::NumberLiteral(_) => Ok(()),
        // A loop variable over `range(...)` (the assignment the bindings record for it).
        // Only a call known to be `range`: a callee that resolves to nothing (a method of a
        // literal, `"..".strip()`, `b"".join(...)`) is a value computed at run time.
        Expr::Call(call) if is_range(checker, call) => Ok(()),
        // The index of `for i, item in enumerate(...)` (the bindings record the call for it):
        // always an integer.
        Expr::Call(call) if is_builtin_call(checker, call, "enumerate") => Ok(()),
        Expr::Name(name) => {
            let id = name.id.as_str();
            if !checker.bindings.imports(id).is_empty() {
                return Err(format!("`{id}` is not a checked path piece"));
            }
            match checker.bindings.assignments(id) {
                Some(values) => {
                    for value in values {
                        let Some(value) = value else {
                            return Err(format!(
                                "`{id}` is part of the path and is assigned a value that cannot be checked; use a literal or a number"
                            ));
                        };
                        // Joined as its text only when the name has exactly one literal value
                        // (see `piece_text`); otherwise a dot at its edge could meet another.
                        if values.len() > 1 || !matches!(value, Expr::StringLiteral(_)) {
                            if let Expr::StringLiteral(literal) = value {
                                let text = literal.value.to_str();
                                if text.starts_with('.') || text.ends_with('.') {
                                    return Err(format!(
                                        "`{id}` may be {text:?}: a path piece with several values may not begin or end with a dot"
                                    ));
                                }
                            }
                        }
                        value_piece_is_safe(checker, io, value, depth + 1, budget)?;
                    }
                    Ok(())
                }
                None => Err(format!("`{id}` is not a checked path piece")),
            }
        }
        _ => Err("a path piece computed at run time could climb out of the output folder; use a literal or a number".to_owned()),
    }
}

/// An f-string field in a path adds only its value's text: no `=` (the expression's own
/// text), and a format spec only of the numeric kind (`03d`, `.2f`, `,`): a fill character
/// needs an alignment (`<`, `>`, `^`, `=`), and `{'':.>2}` is `..`, `{'':/>1}` is `/`.
fn plain_interpolation(value: &ruff_python_ast::InterpolatedElement) -> Result<(), String> {
    if value.debug_text.is_some() {
        return Err("a path field with `=` adds the expression's text to the path".to_owned());
    }
    let Some(spec) = &value.format_spec else {
        return Ok(());
    };
    let mut text = String::new();
    for element in spec.elements.iter() {
        match element {
            InterpolatedStringElement::Literal(literal) => text.push_str(&literal.value),
            InterpolatedStringElement::Interpolation(_) => {
                return Err("a computed format spec in a path cannot be checked".to_owned())
            }
        }
    }
    let numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || "+- ,_.dxXobnfFeEgG%".contains(c));
    if numeric {
        Ok(())
    } else {
        Err(format!(
            "the format spec {text:?} in a path could add text (fill and alignment); only numeric specs such as `03d` are allowed"
        ))
    }
}

/// Whether `call` calls the builtin `range` (resolved, and never rebound).
fn is_range(checker: &Checker<'_, '_>, call: &ExprCall) -> bool {
    is_builtin_call(checker, call, "range")
}

/// Whether `call` calls the builtin `name` (resolved, and never rebound).
pub(crate) fn is_builtin_call(checker: &Checker<'_, '_>, call: &ExprCall, name: &str) -> bool {
    let resolved = checker.resolve(&call.func);
    !resolved.is_empty()
        && resolved
            .iter()
            .all(|r| r.path.strip_prefix("builtins.") == Some(name))
        && checker.bindings.assignments(name).is_none()
}

/// `text` is a whole path (`leading`) or a piece after a checked prefix.
fn literal_is_safe(io: &IoPolicy, text: &str, leading: bool) -> Result<(), String> {
    // pyarrow reads a URL's query as options (`s3://b/k?endpoint_override=host`): the
    // endpoint is the runner's configuration (eighth review).
    // `[.][.]` is a glob pattern for `..` (polars and pyarrow expand globs natively).
    if text.contains(['[', ']', '{', '}']) {
        return Err(format!(
            "{text:?}: `[`, `]`, `{{` and `}}` are not allowed in paths (a glob pattern could name `..`)"
        ));
    }
    if text.contains(['?', '#']) {
        return Err(format!(
            "{text:?}: `?` and `#` are not allowed in paths and storage URLs (a URL's query sets options such as its endpoint)"
        ));
    }
    if leading && io.is_storage_url(text) {
        // fsspec chains URLs with `::` (`simplecache::s3://...`, `s3://x::file://...`).
        if text.contains("::") {
            return Err(format!("{text:?}: `::` chains another file system"));
        }
        return no_parent(text);
    }
    if text.contains("://") || (leading && has_scheme(text)) {
        return Err(format!(
            "{text:?}: URL scheme not allowed (allowed: {})",
            io.url_schemes.join(", ")
        ));
    }
    if leading && (text.starts_with('/') || text.starts_with('~') || text.starts_with('\\')) {
        return Err(format!("{text:?} is outside the job's output folder"));
    }
    no_parent(text)
}

/// `file:/etc/passwd`, `memory:x`: a URL scheme (two letters at least, so that no Windows
/// drive letter counts) before any separator.
fn has_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn no_parent(text: &str) -> Result<(), String> {
    if text.split(['/', '\\']).any(|part| part == "..") {
        Err(format!("{text:?} climbs out of its folder with `..`"))
    } else {
        Ok(())
    }
}
