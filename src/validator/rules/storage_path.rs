use ruff_python_ast::{Expr, ExprCall, InterpolatedStringElement, Operator};
use ruff_text_size::Ranged;

use super::declare_rule;
use crate::policy::IoPolicy;
use crate::validator::bindings::Resolved;
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
    /// Anything else (absolute paths, `..`, other schemes such as `file://` or `http://`,
    /// values computed at run time) is refused.
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
            .then_some((function.arg, function.keyword.as_str()))
    });
    let (position, keyword, handled) = match function {
        Some((position, keyword)) => (position, keyword, true),
        None => match call.func.as_ref() {
            Expr::Attribute(attr) if io.is_method(attr.attr.id.as_str()) => (0, "path", false),
            _ => return false,
        },
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
        if let Err(why) = path_is_safe(checker, io, argument, 0, &mut budget) {
            checker.report(
                &STORAGE_PATH,
                argument.range(),
                format!("data path refused: {why}"),
            );
        }
    }
    handled
}

fn path_is_safe(
    checker: &Checker<'_, '_>,
    io: &IoPolicy,
    expr: &Expr,
    depth: u8,
    budget: &mut u32,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("too many assignments to follow".to_owned());
    }
    if *budget == 0 {
        return Err("the path is built in too many ways to check".to_owned());
    }
    *budget -= 1;
    match expr {
        Expr::StringLiteral(literal) => literal_is_safe(io, literal.value.to_str(), true),
        Expr::FString(fstring) => {
            let mut first = true;
            for element in fstring.value.elements() {
                match element {
                    InterpolatedStringElement::Literal(text) => {
                        literal_is_safe(io, &text.value, first)?;
                    }
                    InterpolatedStringElement::Interpolation(value) if first => {
                        path_is_safe(checker, io, &value.expression, depth + 1, budget)?;
                    }
                    InterpolatedStringElement::Interpolation(_) => {}
                }
                first = false;
            }
            Ok(())
        }
        Expr::BinOp(binop) if binop.op == Operator::Add => {
            path_is_safe(checker, io, &binop.left, depth + 1, budget)?;
            match binop.right.as_ref() {
                Expr::StringLiteral(literal) => literal_is_safe(io, literal.value.to_str(), false),
                _ => Ok(()),
            }
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

/// `text` is a whole path (`leading`) or a piece after a checked prefix.
fn literal_is_safe(io: &IoPolicy, text: &str, leading: bool) -> Result<(), String> {
    if leading && io.is_storage_url(text) {
        return no_parent(text);
    }
    if text.contains("://") {
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

fn no_parent(text: &str) -> Result<(), String> {
    if text.split(['/', '\\']).any(|part| part == "..") {
        Err(format!("{text:?} climbs out of its folder with `..`"))
    } else {
        Ok(())
    }
}
