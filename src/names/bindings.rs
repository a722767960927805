//! First pass over the tree: which names are bound by imports (wherever they stand: nested
//! functions, `try` blocks, class bodies), and what each name is assigned elsewhere.
//!
//! Resolution is flow-insensitive on purpose: a name bound by an import anywhere resolves to
//! that import everywhere, so reordering code cannot hide an alias.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use rustc_hash::FxHashMap as HashMap;

use ruff_text_size::{Ranged, TextSize};

use ruff_python_ast::visitor::{
    walk_except_handler, walk_expr, walk_parameter, walk_pattern, walk_stmt, Visitor,
};
use ruff_python_ast::{ExceptHandler, Expr, ExprContext, Parameter, Pattern, Stmt};

/// What an import statement bound a name to.
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    /// The qualified path the name stands for (`os` for `import os.path`, `os.system` for
    /// `from os import system as s`).
    pub path: String,
    /// The module or `module.name` the statement imported; the allowlist is checked on it.
    pub imported: String,
    /// `from M import x` (true) or `import M` (false).
    pub from_import: bool,
}

/// What a name or `name.attr.attr` chain refers to.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// Fully qualified: `os.path.join`, `builtins.open`.
    pub path: String,
    /// The import binding it goes through; `None` for builtins.
    pub binding: Option<Rc<Binding>>,
}

#[derive(Debug, Default)]
pub(crate) struct Bindings<'a> {
    imports: HashMap<String, Vec<Rc<Binding>>>,
    /// Every module named by an import statement, in order of first appearance, with where.
    pub modules: Vec<(String, TextSize)>,
    /// `modules`' names, and (name, path, imported) of `imports`, for duplicate checks in
    /// constant time (a program may hold tens of thousands of imports).
    seen_modules: std::collections::HashSet<String>,
    seen_imports: std::collections::HashSet<(String, String, String)>,
    /// For each name: every value assigned to it with a plain `name = value`, or `None` for
    /// a binding whose value cannot be read statically (parameters, loop targets, `+=`...).
    assignments: HashMap<&'a str, Vec<Option<&'a Expr>>>,
    source: &'a str,
    /// Resolutions by the chain's source text: resolution is flow-insensitive, so it depends
    /// only on that text, and programs repeat the same few names thousands of times.
    resolved: RefCell<HashMap<&'a str, Rc<[Resolved]>>>,
    nothing: Rc<[Resolved]>,
    /// Resolution steps taken so far (paths produced): the validator's work budget.
    work: Cell<u64>,
    /// Names bound unconditionally by a top-level statement, with the earliest such
    /// statement's start: after it runs, the name is the program's global, not a builtin.
    top_level: HashMap<&'a str, TextSize>,
    /// Names deleted anywhere (`del x`): after that, the builtin shows through again.
    deleted: std::collections::HashSet<&'a str>,
    /// How many `def` statements bind each name (each is also a `None` in `assignments`).
    defs: HashMap<&'a str, usize>,
    /// How many `class` statements bind each name (each is also a `None` in `assignments`).
    classes: HashMap<&'a str, usize>,
}

impl<'a> Bindings<'a> {
    pub fn collect(source: &'a str, body: &'a [Stmt]) -> Self {
        let mut collector = Self {
            source,
            nothing: Rc::from(Vec::new()),
            ..Self::default()
        };
        collector.visit_body(body);
        for stmt in body {
            let mut names = Vec::new();
            match stmt {
                Stmt::Assign(assign) => assign
                    .targets
                    .iter()
                    .for_each(|t| stored_names(t, &mut names)),
                Stmt::AnnAssign(assign) if assign.value.is_some() => {
                    stored_names(&assign.target, &mut names);
                }
                Stmt::FunctionDef(def) => names.push(def.name.id.as_str()),
                Stmt::ClassDef(class) => names.push(class.name.id.as_str()),
                // Only a plain name: unpacking into a target can fail inside a context
                // manager that suppresses the error, leaving the names unbound.
                Stmt::With(with) => with
                    .items
                    .iter()
                    .filter_map(|i| i.optional_vars.as_deref())
                    .for_each(|t| {
                        if let Expr::Name(name) = t {
                            names.push(name.id.as_str());
                        }
                    }),
                _ => {}
            }
            for name in names {
                collector.top_level.entry(name).or_insert(stmt.start());
            }
        }
        collector
    }

    /// True when a top-level statement that starts before `at` binds `name` for certain and
    /// nothing deletes it: from `at` on, `name` is the program's global, not a builtin.
    pub fn global_before(&self, name: &str, at: TextSize) -> bool {
        !self.deleted.contains(name) && self.top_level.get(name).is_some_and(|start| *start < at)
    }

    pub fn imports(&self, name: &str) -> &[Rc<Binding>] {
        self.imports
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every qualified path `expr` may refer to: one per import binding of its root name,
    /// or `builtins.NAME` for a name no import binds. Empty for anything but a name or an
    /// attribute chain rooted in a name.
    pub fn resolve(&self, expr: &Expr) -> Rc<[Resolved]> {
        let mut current = expr;
        while let Expr::Attribute(attribute) = current {
            current = &attribute.value;
        }
        if !current.is_name_expr() {
            return Rc::clone(&self.nothing);
        }
        let range = expr.range();
        let Some(key) = self
            .source
            .get(range.start().to_usize()..range.end().to_usize())
        else {
            return self.resolve_uncached(expr);
        };
        if let Some(found) = self.resolved.borrow().get(key) {
            return Rc::clone(found);
        }
        let found = self.resolve_uncached(expr);
        self.resolved.borrow_mut().insert(key, Rc::clone(&found));
        found
    }

    fn resolve_uncached(&self, expr: &Expr) -> Rc<[Resolved]> {
        let mut attrs = Vec::new();
        let mut current = expr;
        while let Expr::Attribute(attribute) = current {
            attrs.push(attribute.attr.id.as_str());
            current = &attribute.value;
        }
        let Expr::Name(name) = current else {
            return Rc::clone(&self.nothing);
        };
        let suffix: String = attrs.iter().rev().flat_map(|a| [".", a]).collect();
        let bindings = self.imports(name.id.as_str());
        self.work
            .set(self.work.get().saturating_add(bindings.len() as u64 + 1));
        if bindings.is_empty() {
            return Rc::from(vec![Resolved {
                path: format!("builtins.{}{suffix}", name.id),
                binding: None,
            }]);
        }
        bindings
            .iter()
            .map(|binding| Resolved {
                path: format!("{}{suffix}", binding.path),
                binding: Some(Rc::clone(binding)),
            })
            .collect()
    }

    pub fn assignments(&self, name: &str) -> Option<&[Option<&'a Expr>]> {
        self.assignments.get(name).map(Vec::as_slice)
    }

    /// True when `func` is an attribute chain on a name bound only by imports and never
    /// assigned (`json.dump`): a module's function, which the object table judges, not a
    /// method of a value.
    pub fn is_import_path(&self, func: &Expr) -> bool {
        if !func.is_attribute_expr() {
            return false;
        }
        let mut current = func;
        while let Expr::Attribute(attribute) = current {
            current = &attribute.value;
        }
        let Expr::Name(name) = current else {
            return false;
        };
        let id = name.id.as_str();
        !self.imports(id).is_empty() && self.assignments(id).is_none()
    }

    /// How many `def` statements bind `name`: as many of its unreadable bindings are
    /// functions.
    pub fn defs(&self, name: &str) -> usize {
        self.defs.get(name).copied().unwrap_or(0)
    }

    /// True when every binding of `name` is a `class` statement: the name is one of the
    /// program's classes.
    pub fn only_classes(&self, name: &str) -> bool {
        let count = self.classes.get(name).copied().unwrap_or(0);
        count > 0
            && self.imports(name).is_empty()
            && self
                .assignments(name)
                .is_some_and(|values| values.len() == count && values.iter().all(Option::is_none))
    }

    /// Resolution steps taken so far.
    pub fn work(&self) -> u64 {
        self.work.get()
    }

    /// Records an import binding; the same import bound to the same name again adds nothing
    /// (it would only multiply every resolution of the name).
    fn bind_import(&mut self, name: &str, binding: Binding) {
        let key = (
            name.to_owned(),
            binding.path.clone(),
            binding.imported.clone(),
        );
        if self.seen_imports.insert(key) {
            self.imports
                .entry(name.to_owned())
                .or_default()
                .push(Rc::new(binding));
        }
    }

    fn note_module(&mut self, module: &str, at: TextSize) {
        if self.seen_modules.insert(module.to_owned()) {
            self.modules.push((module.to_owned(), at));
        }
    }

    /// Charges `steps` of work done elsewhere (the path check) to the budget.
    pub fn charge(&self, steps: u64) {
        self.work.set(self.work.get().saturating_add(steps));
    }

    pub fn module_names(&self) -> Vec<String> {
        self.modules.iter().map(|(m, _)| m.clone()).collect()
    }

    fn assign(&mut self, name: &'a str, value: Option<&'a Expr>) {
        self.assignments.entry(name).or_default().push(value);
    }
}

impl<'a> Visitor<'a> for Bindings<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.id.as_str();
                    self.note_module(module, alias.start());
                    let (name, path) = match &alias.asname {
                        Some(asname) => (asname.id.as_str(), module),
                        // `import a.b.c` binds `a`.
                        None => {
                            let root = module.split('.').next().unwrap_or(module);
                            (root, root)
                        }
                    };
                    self.bind_import(
                        name,
                        Binding {
                            path: path.to_owned(),
                            imported: module.to_owned(),
                            from_import: false,
                        },
                    );
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import.module.as_ref().map_or("", |m| m.id.as_str());
                let dots = ".".repeat(import.level as usize);
                let module = format!("{dots}{module}");
                self.note_module(&module, import.start());
                for alias in &import.names {
                    let member = alias.name.id.as_str();
                    let name = alias.asname.as_ref().map_or(member, |a| a.id.as_str());
                    let path = format!("{module}.{member}");
                    self.bind_import(
                        name,
                        Binding {
                            path: path.clone(),
                            imported: path,
                            from_import: true,
                        },
                    );
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    match target {
                        Expr::Name(name) => self.assign(name.id.as_str(), Some(&assign.value)),
                        other => self.visit_expr(other),
                    }
                }
                self.visit_expr(&assign.value);
                return;
            }
            // `for x in [literals]` and `for i in range(n)`: what the loop variable can be is
            // known (the path check uses it for names inside paths).
            Stmt::For(for_loop) => {
                // `for i, item in enumerate(...)`: `i` is an integer (recorded as the call);
                // the other targets cannot be read statically.
                if let (Expr::Tuple(targets), Expr::Call(call)) =
                    (for_loop.target.as_ref(), for_loop.iter.as_ref())
                {
                    if let (Some(Expr::Name(index)), true) = (
                        targets.elts.first(),
                        matches!(call.func.as_ref(), Expr::Name(f) if f.id.as_str() == "enumerate"),
                    ) {
                        self.assign(index.id.as_str(), Some(&for_loop.iter));
                        let mut rest = Vec::new();
                        for target in &targets.elts[1..] {
                            stored_names(target, &mut rest);
                        }
                        for id in rest {
                            self.assign(id, None);
                        }
                        self.visit_expr(&for_loop.iter);
                        self.visit_body(&for_loop.body);
                        self.visit_body(&for_loop.orelse);
                        return;
                    }
                }
                if let Expr::Name(name) = for_loop.target.as_ref() {
                    let id = name.id.as_str();
                    match for_loop.iter.as_ref() {
                        Expr::List(list) => list.elts.iter().for_each(|e| self.assign(id, Some(e))),
                        Expr::Tuple(tuple) => {
                            tuple.elts.iter().for_each(|e| self.assign(id, Some(e)));
                        }
                        Expr::Call(call) if matches!(call.func.as_ref(), Expr::Name(f) if f.id.as_str() == "range") =>
                        {
                            self.assign(id, Some(&for_loop.iter));
                        }
                        _ => self.assign(id, None),
                    }
                    self.visit_expr(&for_loop.iter);
                    self.visit_body(&for_loop.body);
                    self.visit_body(&for_loop.orelse);
                    return;
                }
            }
            Stmt::FunctionDef(def) => {
                self.assign(def.name.id.as_str(), None);
                *self.defs.entry(def.name.id.as_str()).or_default() += 1;
            }
            Stmt::ClassDef(def) => {
                self.assign(def.name.id.as_str(), None);
                *self.classes.entry(def.name.id.as_str()).or_default() += 1;
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.assign(name.id.as_str(), None);
            // Python deletes the name when the handler ends: the builtin shows through again.
            self.deleted.insert(name.id.as_str());
        }
        walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        if let Some(name) = super::scopes::pattern_capture(pattern) {
            self.assign(name, None);
        }
        walk_pattern(self, pattern);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            if matches!(name.ctx, ExprContext::Store | ExprContext::Del) {
                self.assign(name.id.as_str(), None);
            }
            if name.ctx == ExprContext::Del {
                self.deleted.insert(name.id.as_str());
            }
        }
        walk_expr(self, expr);
    }

    fn visit_parameter(&mut self, parameter: &'a Parameter) {
        self.assign(parameter.name.id.as_str(), None);
        walk_parameter(self, parameter);
    }
}

/// Names an assignment target stores (`a`, `a, (b, *c)`), not attributes or subscripts.
fn stored_names<'a>(target: &'a Expr, out: &mut Vec<&'a str>) {
    match target {
        Expr::Name(name) => out.push(name.id.as_str()),
        Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| stored_names(e, out)),
        Expr::List(list) => list.elts.iter().for_each(|e| stored_names(e, out)),
        Expr::Starred(starred) => stored_names(&starred.value, out),
        _ => {}
    }
}
