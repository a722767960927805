//! Second pass: walks the whole tree (decorators, defaults, lambdas, comprehensions, class
//! bodies, f-strings, patterns) and hands each construct to the rules that judge it.
//!
//! Names are judged where they are *referenced*, not only where they are called: `f = eval`
//! is as much a finding as `eval(s)`, so aliasing through assignments gains an attacker
//! nothing. Modules themselves may only be used as `module.attr` (rule PX304), so they cannot
//! be smuggled into a variable and inspected from there.

use ruff_python_ast::visitor::{
    walk_expr, walk_interpolated_string_element, walk_pattern, walk_stmt, Visitor,
};
use ruff_python_ast::{
    Comprehension, Expr, ExprAttribute, ExprCall, ExprLambda, InterpolatedStringElement, Pattern,
    Stmt, StmtFunctionDef,
};
use ruff_text_size::{Ranged, TextRange};

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::bindings::{Bindings, Resolved};
use super::rules::{self, Rule};
use super::scopes;
use crate::policy::{ObjectTable, PolicySet, TierPolicy};

/// A finding before its position is turned into lines and columns.
#[derive(Debug)]
pub(crate) struct RawFinding {
    pub rule: &'static Rule,
    pub range: TextRange,
    pub message: String,
}

pub(crate) struct Checker<'a, 'b> {
    pub tier: &'b TierPolicy,
    pub objects: &'b ObjectTable,
    pub policy: &'b PolicySet,
    pub bindings: &'b Bindings<'a>,
    pub findings: Vec<RawFinding>,
    source: &'a str,
    /// What judging each distinct name chain found, by its source text. Resolution is
    /// flow-insensitive, so a chain's verdict depends only on its text; real programs repeat
    /// the same few names thousands of times.
    chains: FxHashMap<&'a str, Vec<(&'static Rule, String)>>,
    /// Names each enclosing function, lambda or comprehension binds, innermost last: there a
    /// name is a local variable, never the builtin of the same name.
    scopes: Vec<FxHashSet<&'a str>>,
    /// Ranges of the callees of the calls seen so far.
    callees: FxHashSet<TextRange>,
    budget: Budget,
    /// Set when the budget ran out: the walk stops, and the program is rejected (PX004).
    pub exhausted: Option<String>,
}

/// How long and how much a validation may work.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub deadline: std::time::Instant,
    pub max_ms: u64,
    pub max_work: u64,
}

/// Builtins that read attributes by a name given at run time: called directly, their
/// arguments are checked; as values (`g = getattr`), nothing could check them.
const NO_ALIAS: &[&str] = &[
    "builtins.getattr",
    "builtins.setattr",
    "builtins.delattr",
    "builtins.str.format",
    "builtins.str.format_map",
];

impl<'a, 'b> Checker<'a, 'b> {
    pub fn new(
        source: &'a str,
        tier: &'b TierPolicy,
        objects: &'b ObjectTable,
        policy: &'b PolicySet,
        bindings: &'b Bindings<'a>,
        budget: Budget,
    ) -> Self {
        Self {
            tier,
            objects,
            policy,
            bindings,
            findings: Vec::new(),
            source,
            chains: FxHashMap::default(),
            scopes: Vec::new(),
            callees: FxHashSet::default(),
            budget,
            exhausted: None,
        }
    }

    pub fn report(&mut self, rule: &'static Rule, range: TextRange, message: String) {
        self.findings.push(RawFinding {
            rule,
            range,
            message,
        });
    }

    pub fn resolve(&self, expr: &Expr) -> Rc<[Resolved]> {
        self.bindings.resolve(expr)
    }

    /// Judges a reference to `path`: the deny list, then, for paths reached through an
    /// import, the allowlist and module re-exports.
    fn check_reference(&mut self, resolved: &Resolved, range: TextRange) {
        if let Some(entry) = self.policy.deny.find(&resolved.path) {
            let rule = rules::by_name(&entry.rule).unwrap_or(&rules::IMPORT_NOT_ALLOWED);
            let shown = resolved.path.trim_start_matches("builtins.");
            let message = format!("`{shown}` is not allowed: {}", entry.reason);
            self.report(rule, range, message);
            return;
        }
        if let Some(binding) = &resolved.binding {
            rules::check_module_path(self, binding, &resolved.path, range, true);
        }
    }

    /// True (and `exhausted` set) once the time or work budget has run out.
    fn out_of_budget(&mut self) -> bool {
        if self.exhausted.is_some() {
            return true;
        }
        if self.bindings.work() > self.budget.max_work {
            self.exhausted = Some(format!(
                "over {} resolution steps (validator.max_work)",
                self.budget.max_work
            ));
        } else if std::time::Instant::now() > self.budget.deadline {
            self.exhausted = Some(format!(
                "over {} ms (validator.max_validation_ms)",
                self.budget.max_ms
            ));
        }
        self.exhausted.is_some()
    }

    /// True when `name` is a local variable of an enclosing function-like scope and no import
    /// binds it anywhere: it is then the program's own value, never a builtin.
    fn is_local(&self, name: &str) -> bool {
        self.bindings.imports(name).is_empty() && self.scopes.iter().any(|s| s.contains(name))
    }

    /// `expr` is a reference to a name-reading builtin that is not called right here.
    fn check_alias(&mut self, expr: &Expr) {
        let range = expr.range();
        if self.callees.contains(&range) {
            return;
        }
        let resolved = self.resolve(expr);
        if let Some(found) = resolved
            .iter()
            .find(|r| NO_ALIAS.contains(&r.path.as_str()))
        {
            let shown = found.path.trim_start_matches("builtins.").to_owned();
            self.report(
                &rules::REFLECTIVE_BUILTIN,
                range,
                format!("`{shown}` used as a value; call it directly so that its arguments can be checked"),
            );
        }
    }

    /// A name or attribute chain rooted in a name.
    fn check_chain(&mut self, expr: &'a Expr) {
        if self.out_of_budget() {
            return;
        }
        let mut root = expr;
        while let Expr::Attribute(attribute) = root {
            root = &attribute.value;
        }
        if let Expr::Name(name) = root {
            if self.is_local(name.id.as_str()) {
                return;
            }
        }
        self.check_alias(expr);
        let range = expr.range();
        let key = self
            .source
            .get(range.start().to_usize()..range.end().to_usize());
        if let Some(cached) = key.and_then(|key| self.chains.get(key)) {
            for (rule, message) in cached {
                self.findings.push(RawFinding {
                    rule,
                    range,
                    message: message.clone(),
                });
            }
            return;
        }
        let before = self.findings.len();
        for resolved in self.resolve(expr).iter() {
            self.check_reference(resolved, range);
        }
        if let Some(key) = key {
            let found = self.findings[before..]
                .iter()
                .map(|f| (f.rule, f.message.clone()))
                .collect();
            self.chains.insert(key, found);
        }
    }

    /// `expr` is `attribute`: a maximal chain `x.a.b`, judged as one reference.
    fn visit_attribute_chain(&mut self, expr: &'a Expr, attribute: &'a ExprAttribute) {
        let mut root: &Expr = &attribute.value;
        while let Expr::Attribute(inner) = root {
            root = &inner.value;
        }
        // Attributes of a module (a chain rooted in an import) are judged strictly; of other
        // values, instance dunders such as `__dict__` are allowed.
        let on_module =
            matches!(root, Expr::Name(name) if !self.bindings.imports(name.id.as_str()).is_empty());
        let mut current: &Expr = expr;
        while let Expr::Attribute(inner) = current {
            let name = inner.attr.id.as_str();
            if on_module {
                rules::check_escape_name(self, name, inner.attr.range);
            } else {
                rules::check_escape_attribute_of_value(self, name, inner.attr.range);
            }
            current = &inner.value;
        }
        match current {
            Expr::Name(name) => {
                rules::check_escape_name(self, name.id.as_str(), name.range);
                self.check_chain(expr);
            }
            other => self.visit_expr(other),
        }
    }

    /// A function's decorators, defaults and annotations in the enclosing scope, then its
    /// body in its own.
    fn visit_function(&mut self, def: &'a StmtFunctionDef) {
        for decorator in &def.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        if let Some(type_params) = &def.type_params {
            self.visit_type_params(type_params);
        }
        for parameter in def.parameters.iter() {
            if let Some(annotation) = parameter.annotation() {
                self.visit_annotation(annotation);
            }
            if let Some(default) = parameter.default() {
                self.visit_expr(default);
            }
        }
        if let Some(returns) = &def.returns {
            self.visit_annotation(returns);
        }
        self.scopes
            .push(scopes::function_locals(Some(&def.parameters), &def.body));
        self.visit_body(&def.body);
        self.scopes.pop();
    }

    fn visit_lambda(&mut self, lambda: &'a ExprLambda) {
        if let Some(parameters) = &lambda.parameters {
            for default in parameters.iter().filter_map(|p| p.default()) {
                self.visit_expr(default);
            }
        }
        self.scopes.push(scopes::lambda_locals(
            lambda.parameters.as_deref(),
            &lambda.body,
        ));
        self.visit_expr(&lambda.body);
        self.scopes.pop();
    }

    /// The first iterable in the enclosing scope, the rest in the comprehension's.
    fn visit_comprehension_scope(&mut self, expr: &'a Expr, generators: &'a [Comprehension]) {
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        self.scopes.push(scopes::comprehension_locals(generators));
        for (index, generator) in generators.iter().enumerate() {
            self.visit_expr(&generator.target);
            if index > 0 {
                self.visit_expr(&generator.iter);
            }
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        match expr {
            Expr::ListComp(c) => self.visit_expr(&c.elt),
            Expr::SetComp(c) => self.visit_expr(&c.elt),
            Expr::Generator(c) => self.visit_expr(&c.elt),
            Expr::DictComp(c) => {
                if let Some(key) = &c.key {
                    self.visit_expr(key);
                }
                self.visit_expr(&c.value);
            }
            _ => {}
        }
        self.scopes.pop();
    }

    /// Returns true when the call was fully handled (its callee must not be judged again).
    fn visit_call(&mut self, call: &'a ExprCall) -> bool {
        let resolved = self.resolve(&call.func);
        rules::check_reflective_call(self, call, &resolved);
        rules::check_format_call(self, call);
        let handled = rules::check_io_call(self, call, &resolved);
        if handled {
            for arg in &call.arguments.args {
                self.visit_expr(arg);
            }
            for keyword in &call.arguments.keywords {
                self.visit_expr(&keyword.value);
            }
        }
        handled
    }
}

impl<'a> Visitor<'a> for Checker<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.out_of_budget() {
            return;
        }
        match stmt {
            Stmt::Import(import) => rules::check_import(self, import),
            Stmt::ImportFrom(import) => rules::check_import_from(self, import),
            Stmt::FunctionDef(def) => {
                self.visit_function(def);
                return;
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => {
                rules::check_escape_name(self, name.id.as_str(), name.range);
                if name.ctx.is_load() {
                    self.check_chain(expr);
                }
            }
            Expr::Attribute(attribute) => self.visit_attribute_chain(expr, attribute),
            Expr::Call(call) => {
                self.callees.insert(call.func.range());
                if !self.visit_call(call) {
                    walk_expr(self, expr);
                }
            }
            Expr::StringLiteral(literal) => {
                for part in &literal.value {
                    rules::check_escape_string(self, part.value.as_ref(), part.range);
                    rules::check_format_fields(self, part.value.as_ref(), part.range);
                }
            }
            Expr::Lambda(lambda) => self.visit_lambda(lambda),
            Expr::ListComp(ruff_python_ast::ExprListComp { generators, .. })
            | Expr::SetComp(ruff_python_ast::ExprSetComp { generators, .. })
            | Expr::Generator(ruff_python_ast::ExprGenerator { generators, .. })
            | Expr::DictComp(ruff_python_ast::ExprDictComp { generators, .. }) => {
                self.visit_comprehension_scope(expr, generators);
            }
            _ => walk_expr(self, expr),
        }
    }

    fn visit_interpolated_string_element(&mut self, element: &'a InterpolatedStringElement) {
        if let InterpolatedStringElement::Literal(literal) = element {
            rules::check_format_fields(self, &literal.value, literal.range);
        }
        walk_interpolated_string_element(self, element);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        if let Pattern::MatchClass(class) = pattern {
            rules::check_match_class(self, class);
        }
        walk_pattern(self, pattern);
    }
}
