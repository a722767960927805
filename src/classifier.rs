//! Chooses the tier of accepted code: `heavy` when it imports a data library, does storage
//! I/O, carries large literal inputs, or loops over large constant ranges; `lightweight`
//! otherwise. Every heavy verdict comes with its reasons. Thresholds are configuration
//! (`[classifier]`).

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Comprehension, Expr, Number, Operator, Stmt, UnaryOp};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextSize};

use crate::config::ClassifierSettings;
use crate::models::{ReasonKind, TierReason};
use crate::names::bindings::Bindings;
use crate::policy::IoPolicy;

/// The reasons to run `body` as heavy; empty means lightweight.
pub(crate) fn classify(
    body: &[Stmt],
    source: &str,
    settings: &ClassifierSettings,
    io: Option<&IoPolicy>,
    bindings: &Bindings<'_>,
) -> Vec<TierReason> {
    let mut classifier = Classifier {
        settings,
        io,
        bindings,
        found: Vec::new(),
        loop_product: 1,
    };
    for (module, at) in &bindings.modules {
        let root = module
            .trim_start_matches('.')
            .split('.')
            .next()
            .unwrap_or_default();
        if settings.heavy_imports.iter().any(|h| h == root) {
            classifier.note(ReasonKind::HeavyImport, module.clone(), *at);
        }
    }
    classifier.visit_body(body);
    if classifier.found.is_empty() {
        return Vec::new();
    }
    let index = LineIndex::from_source_text(source);
    let mut reasons: Vec<TierReason> = Vec::new();
    for (kind, detail, offset) in classifier.found {
        if reasons.iter().any(|r| r.kind == kind && r.detail == detail) {
            continue;
        }
        let line = index.line_index(offset).get();
        reasons.push(TierReason {
            kind,
            detail,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        });
    }
    reasons
}

struct Classifier<'s, 'a> {
    settings: &'s ClassifierSettings,
    io: Option<&'s IoPolicy>,
    bindings: &'s Bindings<'a>,
    found: Vec<(ReasonKind, String, TextSize)>,
    /// Product of the iteration counts of the enclosing constant-range loops.
    loop_product: u64,
}

impl Classifier<'_, '_> {
    fn note(&mut self, kind: ReasonKind, detail: String, at: TextSize) {
        self.found.push((kind, detail, at));
    }

    /// Enters a loop of `count` iterations (1 when unknown); returns the previous product.
    fn enter_loop(&mut self, iter: &Expr) -> u64 {
        let before = self.loop_product;
        if let Some(count) = range_count(iter) {
            self.loop_product = self.loop_product.saturating_mul(count.max(1));
            if self.loop_product >= self.settings.loop_iterations
                && before < self.settings.loop_iterations
            {
                let detail = format!("about {} loop iterations", self.loop_product);
                self.note(ReasonKind::LoopComplexity, detail, iter.start());
            }
        }
        before
    }

    fn check_call(&mut self, call: &ruff_python_ast::ExprCall) {
        let Some(io) = self.io else { return };
        if let Expr::Attribute(attr) = call.func.as_ref() {
            // A module's function of that name (`json.dump`) is no data method.
            if io.is_method(attr.attr.id.as_str()) && !self.bindings.is_import_path(&call.func) {
                let detail = format!(".{}()", attr.attr.id);
                self.note(ReasonKind::StorageIo, detail, call.start());
                return;
            }
        }
        for resolved in self.bindings.resolve(&call.func).iter() {
            let path = &resolved.path;
            if io.function(path).is_some() && path != "builtins.open" {
                self.note(ReasonKind::StorageIo, format!("{path}()"), call.start());
                return;
            }
        }
    }
}

impl<'a> Visitor<'a> for Classifier<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::For(for_stmt) = stmt {
            self.visit_expr(&for_stmt.iter);
            let before = self.enter_loop(&for_stmt.iter);
            self.visit_body(&for_stmt.body);
            self.loop_product = before;
            self.visit_body(&for_stmt.orelse);
            return;
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::StringLiteral(literal) => {
                let text = literal.value.to_str();
                if text.len() >= self.settings.large_literal_bytes {
                    let detail = format!("string literal of {} bytes", text.len());
                    self.note(ReasonKind::LargeLiteral, detail, expr.start());
                }
                if self.io.is_some_and(|io| io.is_storage_url(text)) {
                    let scheme = text.split("://").next().unwrap_or_default();
                    self.note(
                        ReasonKind::StorageIo,
                        format!("{scheme}:// URL"),
                        expr.start(),
                    );
                }
            }
            Expr::BytesLiteral(literal) => {
                let len = literal.value.bytes().count();
                if len >= self.settings.large_literal_bytes {
                    let detail = format!("bytes literal of {len} bytes");
                    self.note(ReasonKind::LargeLiteral, detail, expr.start());
                }
            }
            Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) | Expr::Dict(_) => {
                let count = match expr {
                    Expr::List(list) => list.elts.len(),
                    Expr::Tuple(tuple) => tuple.elts.len(),
                    Expr::Set(set) => set.elts.len(),
                    Expr::Dict(dict) => dict.items.len(),
                    _ => 0,
                };
                if count >= self.settings.large_literal_elements {
                    let detail = format!("literal with {count} elements");
                    self.note(ReasonKind::LargeLiteral, detail, expr.start());
                }
            }
            Expr::Call(call) => self.check_call(call),
            _ => {}
        }
        walk_expr(self, expr);
    }

    fn visit_comprehension(&mut self, comprehension: &'a Comprehension) {
        // Generators of one comprehension nest left to right; the product stays raised for
        // the rest of the comprehension, which over-approximates only by its element.
        self.visit_expr(&comprehension.iter);
        self.enter_loop(&comprehension.iter);
        for condition in &comprehension.ifs {
            self.visit_expr(condition);
        }
    }
}

/// Iteration count of `range(...)` with constant arguments.
fn range_count(iter: &Expr) -> Option<u64> {
    let Expr::Call(call) = iter else { return None };
    let Expr::Name(name) = call.func.as_ref() else {
        return None;
    };
    if name.id.as_str() != "range" || !call.arguments.keywords.is_empty() {
        return None;
    }
    let args: Vec<i128> = call
        .arguments
        .args
        .iter()
        .map(constant_int)
        .collect::<Option<_>>()?;
    let (start, stop, step) = match args.as_slice() {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] if *step != 0 => (*start, *stop, *step),
        _ => return None,
    };
    let span = if step > 0 { stop - start } else { start - stop };
    let count = if span <= 0 {
        0
    } else {
        (span + step.abs() - 1) / step.abs()
    };
    u64::try_from(count).ok()
}

/// Evaluates small constant integer expressions: literals, `10**6`, `1_000 * 1_000`, `-5`.
fn constant_int(expr: &Expr) -> Option<i128> {
    match expr {
        Expr::NumberLiteral(number) => match &number.value {
            Number::Int(int) => int.as_i64().map(i128::from),
            // Finite and below 1e30, so the conversion cannot saturate.
            Number::Float(float) if float.is_finite() && float.abs() < 1e30 => Some(*float as i128),
            _ => None,
        },
        Expr::UnaryOp(unary) if unary.op == UnaryOp::USub => {
            constant_int(&unary.operand).map(|v| -v)
        }
        Expr::BinOp(binop) => {
            let left = constant_int(&binop.left)?;
            let right = constant_int(&binop.right)?;
            match binop.op {
                Operator::Add => left.checked_add(right),
                Operator::Sub => left.checked_sub(right),
                Operator::Mult => left.checked_mul(right),
                Operator::FloorDiv if right != 0 => Some(left.div_euclid(right)),
                Operator::Pow => u32::try_from(right).ok().and_then(|r| left.checked_pow(r)),
                _ => None,
            }
        }
        Expr::Call(call) => match (call.func.as_ref(), call.arguments.args.as_ref()) {
            (Expr::Name(name), [arg]) if name.id.as_str() == "int" => constant_int(arg),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(src: &str) -> Option<u64> {
        let parsed = ruff_python_parser::parse_expression(src).expect("parses");
        range_count(&parsed.syntax().body)
    }

    #[test]
    fn constant_ranges() {
        assert_eq!(count("range(10)"), Some(10));
        assert_eq!(count("range(2, 10)"), Some(8));
        assert_eq!(count("range(0, 10, 3)"), Some(4));
        assert_eq!(count("range(10, 0, -1)"), Some(10));
        assert_eq!(count("range(10**6)"), Some(1_000_000));
        assert_eq!(count("range(int(1e6))"), Some(1_000_000));
        assert_eq!(count("range(n)"), None);
        assert_eq!(count("range(5, 1)"), Some(0));
    }
}
