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
