//! Which names a function (or lambda, or comprehension) binds locally, by Python's scoping
//! rules: a name bound anywhere in a function body is local to the whole body, so inside it
//! the name can never be the builtin of the same name (`def f(input): return input.strip()`).
//!
//! Only function-like scopes count. A name bound at module or class level may still be read
//! as the builtin before its assignment or after a `del`, so there the builtin is assumed.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{
    Comprehension, ExceptHandler, Expr, ExprContext, Parameters, Pattern, PatternMatchAs,
    PatternMatchMapping, PatternMatchStar, Stmt,
};
use rustc_hash::FxHashSet;

/// The names a function (or class) body binds, and those it declares `global`.
pub(crate) fn body_names<'a>(
    parameters: Option<&'a Parameters>,
    body: &'a [Stmt],
) -> (FxHashSet<&'a str>, FxHashSet<&'a str>) {
    let mut binder = Binder::with_parameters(parameters);
    for stmt in body {
        binder.visit_stmt(stmt);
    }
    let globals: FxHashSet<&str> = binder.global.iter().copied().collect();
    for name in &globals {
        binder.bound.remove(name);
    }
    (binder.bound, globals)
}

/// The names a lambda binds: its parameters, and what walrus expressions in its body bind.
pub(crate) fn lambda_locals<'a>(
    parameters: Option<&'a Parameters>,
    body: &'a Expr,
) -> FxHashSet<&'a str> {
    let mut binder = Binder::with_parameters(parameters);
    binder.visit_expr(body);
    binder.bound
}

/// The names a comprehension binds: its targets (walrus targets belong to the enclosing
/// function, and are not counted here).
pub(crate) fn comprehension_locals(generators: &[Comprehension]) -> FxHashSet<&str> {
    let mut targets = Targets::default();
    for generator in generators {
        targets.visit_expr(&generator.target);
    }
    targets.names
}

#[derive(Default)]
struct Binder<'a> {
    bound: FxHashSet<&'a str>,
    global: Vec<&'a str>,
}

impl<'a> Binder<'a> {
    fn with_parameters(parameters: Option<&'a Parameters>) -> Self {
        let mut binder = Self::default();
        for parameter in parameters.iter().flat_map(|p| p.iter()) {
            binder.bound.insert(parameter.name().id.as_str());
        }
        binder
    }
}

impl<'a> Visitor<'a> for Binder<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            // Nested scopes: only their names are bound here.
            Stmt::FunctionDef(def) => {
                self.bound.insert(def.name.id.as_str());
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
            }
            Stmt::ClassDef(class) => {
                self.bound.insert(class.name.id.as_str());
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
            }
            Stmt::Global(global) => {
                self.global
                    .extend(global.names.iter().map(|n| n.id.as_str()));
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = match &alias.asname {
                        Some(asname) => asname.id.as_str(),
                        None => alias.name.id.split('.').next().unwrap_or_default(),
                    };
                    self.bound.insert(name);
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.bound.insert(name.id.as_str());
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if matches!(name.ctx, ExprContext::Store | ExprContext::Del) => {
                self.bound.insert(name.id.as_str());
            }
            // A lambda is a scope of its own; its defaults are evaluated here.
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for default in parameters.iter().filter_map(|p| p.default()) {
                        self.visit_expr(default);
                    }
                }
            }
            // Comprehension targets are the comprehension's own; walrus targets inside it
            // are this scope's.
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                let mut walrus = Walrus::default();
                walk_expr(&mut walrus, expr);
                self.bound.extend(walrus.names);
            }
            Expr::Named(named) => {
                if let Expr::Name(name) = &*named.target {
                    self.bound.insert(name.id.as_str());
                }
                self.visit_expr(&named.value);
            }
            _ => walk_expr(self, expr),
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.bound.insert(name.id.as_str());
        }
        ruff_python_ast::visitor::walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        if let Some(name) = pattern_capture(pattern) {
            self.bound.insert(name);
        }
        ruff_python_ast::visitor::walk_pattern(self, pattern);
    }
}

/// The name a match pattern binds itself (`case x`, `case [*rest]`, `case {**rest}`), if any;
/// its sub-patterns are visited on their own.
pub(crate) fn pattern_capture(pattern: &Pattern) -> Option<&str> {
    match pattern {
        Pattern::MatchAs(PatternMatchAs {
            name: Some(name), ..
        })
        | Pattern::MatchStar(PatternMatchStar {
            name: Some(name), ..
        })
        | Pattern::MatchMapping(PatternMatchMapping {
            rest: Some(name), ..
        }) => Some(name.id.as_str()),
        _ => None,
    }
}

/// Walrus targets anywhere below a comprehension (not inside nested lambdas).
#[derive(Default)]
struct Walrus<'a> {
    names: Vec<&'a str>,
}

impl<'a> Visitor<'a> for Walrus<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Named(named) => {
                if let Expr::Name(name) = &*named.target {
                    self.names.push(name.id.as_str());
                }
                walk_expr(self, expr);
            }
            Expr::Lambda(_) => {}
            _ => walk_expr(self, expr),
        }
    }
}

/// Names stored by assignment targets (tuples, lists, starred).
#[derive(Default)]
struct Targets<'a> {
    names: FxHashSet<&'a str>,
}

impl<'a> Visitor<'a> for Targets<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx.is_store() => {
                self.names.insert(name.id.as_str());
            }
            Expr::Tuple(_) | Expr::List(_) | Expr::Starred(_) => walk_expr(self, expr),
            _ => {}
        }
    }
}
