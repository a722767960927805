use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Flags code that builds or loads code at run time: `eval`, `exec`, `compile`,
    /// `types.CodeType`, `types.FunctionType`, `pickle`, `marshal`, `cloudpickle.loads`,
    /// `pandas.read_pickle`, `code`, `runpy`... (rule `dynamic-code` in
    /// `roles/policy/denylist.toml`). References count: `run = exec` is flagged.
    ///
    /// ## Why is this bad
    /// Code assembled at run time is code the validator never saw: any other rule can be
    /// bypassed by hiding the call in a string. Unpickling runs arbitrary callables.
    ///
    /// ## Example
    /// ```python
    /// exec("imp" + "ort os; os.system('id')")
    /// ```
    pub static DYNAMIC_CODE = {
        code: "PX201",
        name: "dynamic-code",
        summary: "run-time code (eval, exec, compile, code objects, pickle and marshal loads)",
        see_also: "bandit/ruff S102 (exec), S307 (eval), S301 (pickle), S302 (marshal)",
    };
}

/// Keywords of pandas' `eval`/`query` that hand the expression a namespace of the caller's
/// choosing.
const NAMESPACE_KEYWORDS: &[&str] = &["local_dict", "global_dict", "resolvers"];

/// `.eval(...)`/`.query(...)` on a value (`df.query("a > 1")`): pandas evaluates the string,
/// and its `@name` references, attributes, subscripts and calls reach anything in the
/// caller's frame (`@df.to_csv.__globals__`). Only a literal expression of column names,
/// constants, comparisons and arithmetic (and, for `eval`, `name = expression` lines) is
/// accepted; anything else is dynamic code. The functions spelled as paths (`pandas.eval`)
/// are refused by the object table.
pub(crate) fn check_expression_method(
    checker: &mut crate::validator::checker::Checker<'_, '_>,
    call: &ruff_python_ast::ExprCall,
) {
    use ruff_python_ast::Expr;
    use ruff_text_size::Ranged;
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return;
    };
    let method = attribute.attr.id.as_str();
    if method != "eval" && method != "query" {
        return;
    }
    if call.arguments.args.is_empty() && call.arguments.keywords.is_empty() {
        return;
    }
    let refuse = |checker: &mut crate::validator::checker::Checker<'_, '_>, why: &str| {
        checker.report(
            &DYNAMIC_CODE,
            call.range(),
            format!("`.{method}()` evaluates its string: {why}; filter with a boolean mask (df[df[\"a\"] > 1]) or compute columns directly"),
        );
    };
    for keyword in &call.arguments.keywords {
        match &keyword.arg {
            None => return refuse(checker, "`**` arguments could hand it any namespace"),
            Some(name) if NAMESPACE_KEYWORDS.contains(&name.id.as_str()) => {
                return refuse(checker, "its namespace must not be given")
            }
            _ => {}
        }
    }
    let expression = call.arguments.args.first().or_else(|| {
        call.arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == "expr"))
            .map(|k| &k.value)
    });
    let Some(Expr::StringLiteral(literal)) = expression else {
        return refuse(checker, "only a literal expression can be checked");
    };
    if call.arguments.args.iter().any(Expr::is_starred_expr) {
        return refuse(checker, "`*` arguments hide the expression");
    }
    if let Err(why) = plain_expression(literal.value.to_str(), method == "eval") {
        refuse(checker, &why);
    }
}

/// A pandas expression of names (backquoted column names included), constants, comparisons,
/// boolean and arithmetic operators, and (for `eval`) assignments of such, one per line.
fn plain_expression(text: &str, assignments: bool) -> Result<(), String> {
    if text.contains('@') {
        return Err("`@` reads the caller's variables".to_owned());
    }
    // `column name` in backquotes is one name to pandas.
    let mut plain = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '`' => {
                quoted = !quoted;
                plain.push_str(if quoted { "(c" } else { ")" });
            }
            _ if quoted => plain.push(if c.is_alphanumeric() { c } else { '_' }),
            _ => plain.push(c),
        }
    }
    if quoted {
        return Err("an unclosed backquote".to_owned());
    }
    for line in plain.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let expression = match line.split_once('=') {
            Some((target, value))
                if assignments
                    && !value.starts_with('=')
                    && !target.ends_with(['<', '>', '!', '='])
                    && target
                        .trim()
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '(' || c == ')') =>
            {
                value
            }
            _ => line,
        };
        let parsed = ruff_python_parser::parse_expression(expression.trim())
            .map_err(|_| "it is not a plain expression".to_owned())?;
        plain_node(parsed.expr())?;
    }
    Ok(())
}

fn plain_node(expr: &ruff_python_ast::Expr) -> Result<(), String> {
    use ruff_python_ast::Expr;
    match expr {
        Expr::Name(name) if !name.id.as_str().starts_with('_') => Ok(()),
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_) => Ok(()),
        Expr::Compare(compare) => {
            plain_node(&compare.left)?;
            compare.comparators.iter().try_for_each(plain_node)
        }
        Expr::BoolOp(op) => op.values.iter().try_for_each(plain_node),
        Expr::BinOp(op) => {
            plain_node(&op.left)?;
            plain_node(&op.right)
        }
        Expr::UnaryOp(op) => plain_node(&op.operand),
        Expr::List(list) => list.elts.iter().try_for_each(plain_node),
        Expr::Tuple(tuple) => tuple.elts.iter().try_for_each(plain_node),
        _ => Err("only column names, constants, comparisons and arithmetic are checked".to_owned()),
    }
}

/// Methods of the data libraries that call another method named by a string
/// (`df.agg("sum")`: pandas' `apply_str` does `getattr(df, name)(*args, **kwargs)`).
pub(crate) const STRING_DISPATCH: &[&str] = &["agg", "aggregate", "apply", "transform"];

/// Keywords of those methods that are options or the function's own arguments, never a
/// method name.
const PASSED_THROUGH: &[&str] = &[
    "axis",
    "args",
    "raw",
    "result_type",
    "engine",
    "engine_kwargs",
    "by_row",
    "numeric_only",
    "skipna",
    "include_groups",
    "convert_dtype",
    "na_action",
    "kwargs",
];

/// Heavy tier: `df.agg(...)`, `.apply`, `.transform` may name methods by strings, and pandas
/// then calls them for the program (`df.agg("eval", expr=...)`, `df.agg("to_csv", path)`),
/// past every check made where a method is called. Every string such a call can receive
/// must be visible (literals, or names only ever assigned them, in lists, tuples, dicts and
/// calls such as `pd.NamedAgg`) and name no method whose arguments are checked at its call
/// (`eval`, `query`, the writers, `format`) or a private one.
pub(crate) fn check_string_dispatch(
    checker: &mut crate::validator::checker::Checker<'_, '_>,
    call: &ruff_python_ast::ExprCall,
) {
    use ruff_python_ast::Expr;
    use ruff_text_size::Ranged;
    if checker.tier.io.is_none() {
        return;
    }
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return;
    };
    let method = attribute.attr.id.as_str();
    if !STRING_DISPATCH.contains(&method) || checker.bindings.is_import_path(&call.func) {
        return;
    }
    let mut budget: u32 = 1024;
    // The function (first argument or `func=`) and named aggregations (`total=("v", "sum")`);
    // the options pandas passes through to the function are not method names.
    let arguments = call.arguments.args.iter().take(1).chain(
        call.arguments
            .keywords
            .iter()
            .filter(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| !PASSED_THROUGH.contains(&a.id.as_str()))
            })
            .map(|k| &k.value),
    );
    for argument in arguments {
        if let Err(why) = dispatch_argument(checker, argument, 0, &mut budget) {
            checker.report(
                &DYNAMIC_CODE,
                argument.range(),
                format!("`.{method}()` calls the methods its strings name: {why}"),
            );
            return;
        }
    }
    if call.arguments.keywords.iter().any(|k| k.arg.is_none()) {
        checker.report(
            &DYNAMIC_CODE,
            call.range(),
            format!(
                "`.{method}()` with `**` arguments: the method names they carry cannot be checked"
            ),
        );
    }
}

fn dispatch_argument(
    checker: &crate::validator::checker::Checker<'_, '_>,
    expr: &ruff_python_ast::Expr,
    depth: u8,
    budget: &mut u32,
) -> Result<(), String> {
    use ruff_python_ast::Expr;
    if depth > 8 || *budget == 0 {
        return Err("it is built in too many steps to check".to_owned());
    }
    *budget -= 1;
    let inner = |e: &Expr, budget: &mut u32| dispatch_argument(checker, e, depth + 1, budget);
    match expr {
        Expr::StringLiteral(literal) => {
            let name = literal.value.to_str();
            if name.starts_with('_') || super::call_checked_method(checker, name) {
                Err(format!(
                    "{name:?} names a method checked only where it is called"
                ))
            } else {
                Ok(())
            }
        }
        Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::Lambda(_) => Ok(()),
        Expr::List(list) => list.elts.iter().try_for_each(|e| inner(e, budget)),
        Expr::Tuple(tuple) => tuple.elts.iter().try_for_each(|e| inner(e, budget)),
        Expr::Set(set) => set.elts.iter().try_for_each(|e| inner(e, budget)),
        Expr::Dict(dict) => dict
            .items
            .iter()
            .try_for_each(|item| inner(&item.value, budget)),
        // `np.mean`, `pd.Series.nunique`: functions, through an import.
        Expr::Attribute(_) if checker.bindings.is_import_path(expr) => Ok(()),
        Expr::Name(name) => {
            let id = name.id.as_str();
            if !checker.is_local(id) && checker.bindings.assignments(id).is_none() {
                // A builtin (`sum`, `max`) or an import.
                return Ok(());
            }
            let Some(values) = checker.bindings.assignments(id) else {
                return Err(format!("`{id}` may hold a string computed at run time"));
            };
            // Unreadable bindings: a `def` (a function, safe) or a parameter, loop variable,
            // `+=`... (anything): every one of them must be a def.
            let unreadable = values.iter().filter(|v| v.is_none()).count();
            if unreadable > checker.bindings.defs(id) {
                return Err(format!("`{id}` may hold a string computed at run time"));
            }
            values
                .iter()
                .flatten()
                .try_for_each(|value| inner(value, budget))
        }
        // polars expressions (`pl.col("v").sum()`, `pl.col("h").sum() / pl.len()`): Expr
        // objects, never strings.
        Expr::Call(_) | Expr::BinOp(_) | Expr::UnaryOp(_) | Expr::Compare(_)
            if polars_expression(checker, expr) =>
        {
            Ok(())
        }
        // `pd.NamedAgg(column="x", aggfunc="sum")`: its arguments are what pandas dispatches.
        Expr::Call(call)
            if checker.resolve(&call.func).iter().any(|r| {
                r.binding.is_some() && r.path.starts_with("pandas") && r.path.ends_with(".NamedAgg")
            }) =>
        {
            call.arguments
                .args
                .iter()
                .chain(call.arguments.keywords.iter().map(|k| &k.value))
                .try_for_each(|e| inner(e, budget))
        }
        _ => Err("only literal method names, functions and lambdas can be checked".to_owned()),
    }
}

/// A method chain rooted at a call of the imported `polars` module (`pl.col("v").sum()`,
/// `pl.len()`): an expression object. `.meta` is refused: its methods return names.
fn polars_expression(
    checker: &crate::validator::checker::Checker<'_, '_>,
    expr: &ruff_python_ast::Expr,
) -> bool {
    use ruff_python_ast::Expr;
    let mut current = expr;
    let mut calls = 0;
    loop {
        match current {
            Expr::Call(call) => {
                calls += 1;
                current = &call.func;
            }
            Expr::Attribute(attribute) => {
                if attribute.attr.id.as_str() == "meta" {
                    return false;
                }
                current = &attribute.value;
            }
            Expr::Name(name) => {
                let id = name.id.as_str();
                let bindings = checker.bindings.imports(id);
                return calls > 0
                    && !bindings.is_empty()
                    && checker.bindings.assignments(id).is_none()
                    && bindings
                        .iter()
                        .all(|b| b.path == "polars" || b.path.starts_with("polars."));
            }
            // Arithmetic and comparisons with an expression are expressions
            // (`(pl.col("p") * pl.col("q")).sum()`, `pl.col("s") == "x"`): polars' operators
            // return `Expr` whatever the other operand is. (`and`/`or` return an operand, and
            // are not accepted.)
            // Not `%`: `"%.0seval" % pl.col("x")` is str formatting, a string.
            Expr::BinOp(op) if op.op != ruff_python_ast::Operator::Mod => {
                return polars_expression(checker, &op.left)
                    || polars_expression(checker, &op.right)
            }
            Expr::UnaryOp(op) => return polars_expression(checker, &op.operand),
            Expr::Compare(compare) => {
                return polars_expression(checker, &compare.left)
                    || compare
                        .comparators
                        .iter()
                        .any(|c| polars_expression(checker, c))
            }
            _ => return false,
        }
    }
}
