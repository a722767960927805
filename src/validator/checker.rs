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
use ruff_python_ast::{Expr, ExprAttribute, ExprCall, InterpolatedStringElement, Pattern, Stmt};
use ruff_text_size::{Ranged, TextRange};

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::bindings::{Bindings, Resolved};
use super::rules::{self, Rule};
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
}

impl<'a, 'b> Checker<'a, 'b> {
    pub fn new(
        source: &'a str,
        tier: &'b TierPolicy,
        objects: &'b ObjectTable,
        policy: &'b PolicySet,
        bindings: &'b Bindings<'a>,
    ) -> Self {
        Self {
            tier,
            objects,
            policy,
            bindings,
            findings: Vec::new(),
            source,
            chains: FxHashMap::default(),
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

    /// A name or attribute chain rooted in a name.
    fn check_chain(&mut self, expr: &Expr) {
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
        let mut current: &Expr = &attribute.value;
        rules::check_escape_name(self, attribute.attr.id.as_str(), attribute.attr.range);
        while let Expr::Attribute(inner) = current {
            rules::check_escape_name(self, inner.attr.id.as_str(), inner.attr.range);
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
        match stmt {
            Stmt::Import(import) => rules::check_import(self, import),
            Stmt::ImportFrom(import) => rules::check_import_from(self, import),
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
