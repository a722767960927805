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
    CmpOp, Comprehension, Expr, ExprAttribute, ExprCall, ExprLambda, InterpolatedStringElement,
    Pattern, Stmt, StmtFunctionDef,
};
use ruff_text_size::{Ranged, TextRange};

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::rules::{self, Rule};
use crate::names::bindings::{Bindings, Resolved};
use crate::names::scopes;
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
    /// The enclosing scopes, innermost last: functions, lambdas and comprehensions (where a
    /// name they bind is a local variable, never the builtin of the same name) and class
    /// bodies (whose names functions nested in them do not see).
    scopes: Vec<Scope<'a>>,
    /// Ranges of the callees of the calls seen so far.
    callees: FxHashSet<TextRange>,
    /// Ranges of expressions in a place where the class of a value may stand: compared,
    /// named (`.__name__`), printed, tested with `isinstance`, looked up as a key, a base.
    class_places: FxHashSet<TextRange>,
    budget: Budget,
    /// Expressions visited, for the periodic budget check.
    expressions: u32,
    /// Start of the top-level statement being visited.
    pub top: ruff_text_size::TextSize,
    /// Depth of annotations being visited: their string literals are type expressions that
    /// typing and functools evaluate, so they are judged as code.
    in_annotation: u32,
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

/// One enclosing scope, as Python resolves names in it.
pub(crate) struct Scope<'a> {
    class: bool,
    bound: FxHashSet<&'a str>,
    globals: FxHashSet<&'a str>,
}

impl<'a> Scope<'a> {
    fn function(bound: FxHashSet<&'a str>, globals: FxHashSet<&'a str>) -> Self {
        Self {
            class: false,
            bound,
            globals,
        }
    }
}

/// Allowed callables with a keyword that makes them open a file, checked at each call.
const KEYWORD_CHECKED: &[(&str, &str)] = &[("logging.basicConfig", "filename")];

/// Allowed callables with an argument that hands library internals to a program's object:
/// `copy.deepcopy(x, memo)` calls `memo.get` for every object it visits and keeps every
/// original it copied in `memo` (a private attribute's value included). Path, position,
/// keyword.
const CALLBACK_ARGUMENTS: &[(&str, usize, &str)] = &[("copy.deepcopy", 1, "memo")];

/// What functools.wraps/update_wrapper copy by default (`WRAPPER_ASSIGNMENTS`, `WRAPPER_UPDATES`).
const WRAPPER_DEFAULTS: &[&str] = &[
    "__module__",
    "__name__",
    "__qualname__",
    "__doc__",
    "__annotations__",
    "__dict__",
];

/// The public API of namedtuple instances: the only private-looking attributes allowed.
const NAMEDTUPLE_API: &[&str] = &["_replace", "_asdict", "_fields", "_make", "_field_defaults"];

/// Builtins that read attributes by a name given at run time: called directly, their
/// arguments are checked; as values (`g = getattr`), nothing could check them.
const NO_ALIAS: &[&str] = &[
    "builtins.getattr",
    "builtins.setattr",
    "builtins.delattr",
    "builtins.str.format",
    "builtins.str.format_map",
    "operator.attrgetter",
    "operator.methodcaller",
    // Their other arguments are checked at the call: the attribute names they copy, the
    // memo deepcopy hands every original (`map(copy.deepcopy, xs, memos)` would skip it).
    "functools.update_wrapper",
    "functools.wraps",
    "copy.deepcopy",
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
            class_places: FxHashSet::default(),
            budget,
            in_annotation: 0,
            expressions: 0,
            top: ruff_text_size::TextSize::default(),
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

    /// True when `module` may be imported: the tier lists it, or it is a submodule of a
    /// listed package that the object table walked as a module of its own (and so judged
    /// every object in it: `pandas.tseries.offsets`, `numpy.lib.stride_tricks`).
    pub fn module_allowed(&self, module: &str) -> bool {
        if self.tier.allows(module) {
            return true;
        }
        self.tier.allowed_prefix(module).is_some()
            && self.policy.deny.find(module).is_none()
            && matches!(self.objects.lookup(module), crate::policy::Lookup::Module(name) if name == module)
    }

    /// `expr` names something in `typing` (`typing.List`, `Optional`...).
    fn is_typing_generic(&self, expr: &Expr) -> bool {
        self.resolve(expr)
            .iter()
            .any(|r| r.path.starts_with("typing.") || r.path.starts_with("typing_extensions."))
    }

    /// A string in an annotation is a type expression that typing (get_type_hints, ForwardRef)
    /// and functools.singledispatch evaluate: it must be a plain (dotted, subscripted) type
    /// name, and every name in it is judged as if written as code.
    fn check_string_annotation(&mut self, text: &str, range: TextRange) {
        self.check_string_annotation_at(text, range, 0);
    }

    /// A string annotation (or a forward reference nested in one, `"List['Node']"`, at
    /// `depth`): parsed as an expression, it may hold only dotted names, subscripts, `|`,
    /// tuples and lists of those, and constants (`...`, `None`, numbers; strings inside
    /// `Literal[...]` are values, other strings are checked as annotations again).
    fn check_string_annotation_at(&mut self, text: &str, range: TextRange, depth: u8) {
        let mut names = Vec::new();
        let mut nested = Vec::new();
        let type_like = depth < 4
            && text.len() <= 1024
            && ruff_python_parser::parse_expression(text.trim())
                .is_ok_and(|parsed| type_expression(parsed.expr(), &mut names, &mut nested));
        if !type_like {
            self.report(
                &rules::DYNAMIC_CODE,
                range,
                format!("string annotation {text:?} is evaluated as code; write a type name (or the type itself)"),
            );
            return;
        }
        for inner in &nested {
            self.check_string_annotation_at(inner, range, depth + 1);
        }
        for dotted in names.iter().map(String::as_str) {
            let mut parts = dotted.split('.');
            let root = parts.next().unwrap_or_default();
            for part in dotted.split('.') {
                rules::check_escape_name(self, part, range);
            }
            if dotted
                .split('.')
                .any(|p| p.starts_with('_') || p.is_empty())
            {
                self.report(
                    &rules::DUNDER_ACCESS,
                    range,
                    format!("string annotation names private `{dotted}`"),
                );
                continue;
            }
            let bindings = self.bindings.imports(root).to_vec();
            if bindings.is_empty() {
                let path = format!("builtins.{dotted}");
                if let Some(entry) = self.policy.deny.find(&path) {
                    let rule = rules::by_name(&entry.rule).unwrap_or(&rules::IMPORT_NOT_ALLOWED);
                    let message = format!("string annotation names `{dotted}`: {}", entry.reason);
                    self.report(rule, range, message);
                }
                continue;
            }
            let rest: String = parts.flat_map(|p| [".", p]).collect();
            for binding in bindings {
                let path = format!("{}{rest}", binding.path);
                let resolved = Resolved {
                    path,
                    binding: Some(binding),
                };
                self.check_reference(&resolved, range);
            }
        }
    }

    /// True when `name` is a local variable of an enclosing function-like scope and no import
    /// binds it anywhere: it is then the program's own value, never a builtin.
    pub(crate) fn is_local(&self, name: &str) -> bool {
        if !self.bindings.imports(name).is_empty() {
            return false;
        }
        let innermost = self.scopes.len().saturating_sub(1);
        for (index, scope) in self.scopes.iter().enumerate().rev() {
            if scope.class {
                // A class body that binds the name reads it from the class, the globals or
                // the builtins (never from an enclosing function); functions nested in the
                // class do not see its names at all.
                if index == innermost
                    && (scope.bound.contains(name) || scope.globals.contains(name))
                {
                    return false;
                }
                continue;
            }
            if scope.globals.contains(name) {
                return self.bindings.global_before(name, self.top);
            }
            if scope.bound.contains(name) {
                return true;
            }
        }
        self.bindings.global_before(name, self.top)
    }

    /// `expr` is a reference to a name-reading builtin that is not called right here.
    fn check_alias(&mut self, expr: &Expr) {
        let range = expr.range();
        if self.callees.contains(&range) {
            return;
        }
        let resolved = self.resolve(expr);
        if let Some(io) = self.tier.io.as_ref() {
            // A data I/O function as a value (`reader = pd.read_csv`, `map(pd.read_csv, ...)`):
            // its path would be checked nowhere.
            // So is a reader or writer under a name the policy does not list
            // (`W = pq.ParquetWriter; W(path, schema)`): refused where it is called, and
            // here wherever else it is named (eighth review).
            if let Some(found) = resolved
                .iter()
                .find(|r| io.function(&r.path).is_some() || rules::is_unlisted_io(self, io, r))
            {
                let shown = found.path.clone();
                self.report(
                    &rules::STORAGE_PATH,
                    range,
                    format!("`{shown}` used as a value; call it directly so that its path can be checked"),
                );
            }
        }
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
        // `.format`/`.format_map` of anything but a literal, as a value: its template could
        // not be checked where it is finally called (`render = template.format`).
        let method = attribute.attr.id.as_str();
        if matches!(method, "format" | "format_map")
            && !self.callees.contains(&expr.range())
            && !attribute.value.is_string_literal_expr()
        {
            self.report(
                &rules::FORMAT_STRING_DUNDER,
                expr.range(),
                format!(
                    "`.{method}` used as a value; call it on a literal template where it is used"
                ),
            );
        } else if !matches!(method, "format" | "format_map")
            && !self.callees.contains(&expr.range())
            && rules::call_checked_method(self, method)
            && !self.bindings.is_import_path(expr)
        {
            // `run = df.eval`, `partial(df.to_csv, path)`, `map(df.query, exprs)`.
            self.report(
                &rules::REFLECTIVE_BUILTIN,
                expr.range(),
                format!("`.{method}` used as a value: its arguments are checked only where it is called; call `.{method}(...)` directly"),
            );
        }
        // `__init__` re-initialises whatever it is called on: `sys.stdin.buffer.raw.__init__(path)`
        // is FileIO(path) on a library object (tenth review). Only `super().__init__`, a
        // program class's or a builtin class's (`Base.__init__(self)`, `Exception.__init__`).
        if method == "__init__" && !self.init_receiver_is_a_class(&attribute.value) {
            self.report(
                &rules::DUNDER_ACCESS,
                expr.range(),
                "`.__init__` of a value re-initialises it (a library object included); call `super().__init__(...)` or `YourClass.__init__(self, ...)`".to_owned(),
            );
        }
        // An I/O or dispatch method through its class (`pd.DataFrame.to_csv(df, path)`,
        // `map(np.ndarray.tofile, ...)`, `pd.DataFrame.agg(df, "eval")`): the receiver moves
        // to the first argument, where no check looks for the path or the method's name.
        if (rules::call_checked_method(self, method) || rules::STRING_DISPATCH.contains(&method))
            && self.bindings.is_import_path(expr)
            && !self.is_module_path(&attribute.value)
        {
            self.report(
                &rules::REFLECTIVE_BUILTIN,
                expr.range(),
                format!("`.{method}` through its class: call it on the value (`df.{method}(...)`), where its arguments are checked"),
            );
        }
        let mut root: &Expr = expr;
        while let Expr::Attribute(inner) = root {
            root = &inner.value;
        }
        // Private attributes of modules are judged through the object table (PX304); of any
        // other value they are refused: library objects keep modules, frames and the real
        // builtins there (warnings.catch_warnings()._module is the warnings module).
        let on_module =
            matches!(root, Expr::Name(n) if !self.bindings.imports(n.id.as_str()).is_empty());
        let mut current: &Expr = expr;
        while let Expr::Attribute(inner) = current {
            let name = inner.attr.id.as_str();
            rules::check_escape_name(self, name, inner.attr.range);
            let private = name.starts_with('_') && !crate::policy::is_dunder(name);
            let module_path =
                on_module && matches!(inner.value.as_ref(), Expr::Name(_) | Expr::Attribute(_));
            if !module_path && self.tier.refuses_attribute(name) {
                self.report(
                    &rules::FILE_IO,
                    inner.attr.range,
                    format!("`.{name}` is refused on every value: it hands out a file system, reaches files by a path no check sees, or is a builtin that runs code or reads attributes by name; read and write through the listed data functions (pd.read_parquet, df.to_csv...) with storage URLs or OUTPUT_DIR/INPUT_DIR paths"),
                );
            }
            if private && !module_path && !NAMEDTUPLE_API.contains(&name) {
                self.report(
                    &rules::DUNDER_ACCESS,
                    inner.attr.range,
                    format!("private attribute `{name}` of a value: library objects keep their internals there; use public names (name your own attributes without a leading underscore)"),
                );
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

    /// A dunder a class body binds (`def __setstate__`, `__dict__ = property(...)`): only the
    /// protocols of `definable_dunders`, which library code calls with the program's own
    /// values. Others receive what the library holds: copy hands `__setstate__` an object's
    /// whole state, private attributes included.
    fn check_class_dunder(&mut self, name: &str, range: TextRange) {
        let in_class = self.scopes.last().is_some_and(|scope| scope.class);
        // A private name a class defines (`_module = property(...)`, `_stream = "modules"`):
        // a library base assigns or reads its internals through it (catch_warnings stores the
        // real warnings module in `self._module`). No program can read one anyway: private
        // attributes are refused on every value. `_` alone is dataclasses' `_: KW_ONLY`.
        // Enum's hooks (`_missing_`, `_generate_next_value_`, `_ignore_`) are called by the enum
        // machinery with the program's own values and names; no base stores anything there.
        if in_class
            && name.starts_with('_')
            && name != "_"
            && !crate::policy::is_dunder(name)
            && !matches!(name, "_missing_" | "_generate_next_value_" | "_ignore_")
        {
            self.report(
                &rules::DUNDER_ACCESS,
                range,
                format!("a class may not define the private name `{name}`: a library base class would store or read its internals through it; name it without a leading underscore"),
            );
            return;
        }
        if in_class
            && crate::policy::is_dunder(name)
            && !self.policy.attributes.definable_dunders.contains(name)
        {
            self.report(
                &rules::DUNDER_ACCESS,
                range,
                format!("a class may not define `{name}`: library code calls it with the internals of the objects it handles; define ordinary methods (or __init__, __repr__, __eq__... and the operator methods)"),
            );
        }
    }

    /// `x.__dunder__ = ...` (or `del`, or a loop or `with` target): only metadata strings.
    /// Any other dunder store changes what library code reads from the object
    /// (`Cls.__dataclass_fields__ = {...}` makes dataclasses.replace read chosen attributes).
    fn check_dunder_store(&mut self, attribute: &ExprAttribute) {
        let name = attribute.attr.id.as_str();
        if crate::policy::is_dunder(name)
            && name != "__match_args__"
            && !self.policy.attributes.assignable_dunders.contains(name)
        {
            self.report(
                &rules::DUNDER_ACCESS,
                attribute.attr.range,
                format!("assigning or deleting `{name}` changes what library code reads from the object; only __doc__, __name__ and __qualname__ may be set"),
            );
        }
    }

    /// `__match_args__ = (...)`: the names a class pattern reads positionally. Only a tuple
    /// or list of literal, public attribute names can be checked.
    fn check_match_args_assignment(&mut self, targets: &[Expr], value: &Expr) {
        let assigns = targets.iter().any(|t| match t {
            Expr::Name(n) => n.id.as_str() == "__match_args__",
            Expr::Attribute(a) => a.attr.id.as_str() == "__match_args__",
            _ => false,
        });
        if !assigns {
            return;
        }
        let elements = match value {
            Expr::Tuple(t) => Some(&t.elts),
            Expr::List(l) => Some(&l.elts),
            _ => None,
        };
        let literal_names = elements.is_some_and(|elts| {
            elts.iter().all(|e| match e {
                Expr::StringLiteral(s) => {
                    let name = s.value.to_str();
                    !name.starts_with('_') && !self.policy.attributes.is_escape(name)
                }
                _ => false,
            })
        });
        if !literal_names {
            self.report(
                &rules::MATCH_CLASS_DUNDER,
                value.range(),
                "`__match_args__` must be a tuple of literal public attribute names".to_owned(),
            );
        }
    }

    /// `_x: T` in a class body: were the class made a dataclass (by decorator, by a later
    /// `dataclass(C)` call, through an alias), `_x` would be a field and its name would go
    /// into the generated `__match_args__`, which positional class patterns (`case C(m)`)
    /// read from any instance, a subclass mixing in a library class included. Allowed where
    /// it cannot become an `__init__` field: `ClassVar[...]`, `KW_ONLY`, and
    /// `field(..., init=False)`.
    fn check_private_fields(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            let Stmt::AnnAssign(assign) = stmt else {
                continue;
            };
            let Expr::Name(target) = assign.target.as_ref() else {
                continue;
            };
            let name = target.id.as_str();
            if !name.starts_with('_') || crate::policy::is_dunder(name) {
                continue;
            }
            let annotation = match assign.annotation.as_ref() {
                Expr::Subscript(s) => s.value.as_ref(),
                other => other,
            };
            // Only names no assignment rebinds (`field = my_field` would not make a Field).
            let unassigned = |expr: &Expr| {
                let mut root = expr;
                while let Expr::Attribute(a) = root {
                    root = &a.value;
                }
                matches!(root, Expr::Name(n) if self.bindings.assignments(n.id.as_str()).is_none_or(<[_]>::is_empty))
            };
            let not_init = unassigned(annotation)
                && self.resolve(annotation).iter().any(|r| {
                    matches!(
                        r.path.as_str(),
                        "typing.ClassVar" | "dataclasses.KW_ONLY" | "typing_extensions.ClassVar"
                    )
                })
                || assign.value.as_deref().is_some_and(|value| {
                    let Expr::Call(call) = value else {
                        return false;
                    };
                    unassigned(&call.func)
                        && self
                            .resolve(&call.func)
                            .iter()
                            .all(|r| r.path == "dataclasses.field")
                        && call.arguments.keywords.iter().any(|k| {
                            k.arg.as_ref().is_some_and(|a| a.id.as_str() == "init")
                                && matches!(&k.value, Expr::BooleanLiteral(b) if !b.value)
                        })
                });
            if !not_init {
                self.report(
                    &rules::MATCH_CLASS_DUNDER,
                    target.range,
                    format!("class attribute `{name}: ...` would be a dataclass field whose name goes into `__match_args__`, which class patterns read from any instance; name it without a leading underscore, or make it `ClassVar[...]` or `field(init=False)`"),
                );
            }
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
        let (bound, globals) = scopes::body_names(Some(&def.parameters), &def.body);
        self.scopes.push(Scope::function(bound, globals));
        self.visit_body(&def.body);
        self.scopes.pop();
    }

    fn visit_lambda(&mut self, lambda: &'a ExprLambda) {
        if let Some(parameters) = &lambda.parameters {
            for default in parameters.iter().filter_map(|p| p.default()) {
                self.visit_expr(default);
            }
        }
        self.scopes.push(Scope::function(
            scopes::lambda_locals(lambda.parameters.as_deref(), &lambda.body),
            FxHashSet::default(),
        ));
        self.visit_expr(&lambda.body);
        self.scopes.pop();
    }

    /// The first iterable in the enclosing scope, the rest in the comprehension's.
    fn visit_comprehension_scope(&mut self, expr: &'a Expr, generators: &'a [Comprehension]) {
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        self.scopes.push(Scope::function(
            scopes::comprehension_locals(generators),
            FxHashSet::default(),
        ));
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

    /// functools.wraps/update_wrapper copy the attributes their `assigned`/`updated`
    /// arguments name, by name: only literal tuples or lists of literal names can be checked.
    fn check_wrapper_names(&mut self, call: &ExprCall, resolved: &[Resolved]) {
        let first_name_arg = if resolved.iter().any(|r| r.path == "functools.wraps") {
            1
        } else if resolved
            .iter()
            .any(|r| r.path == "functools.update_wrapper")
        {
            2
        } else {
            return;
        };
        let named = call
            .arguments
            .keywords
            .iter()
            .filter(|k| {
                k.arg
                    .as_ref()
                    .is_none_or(|a| matches!(a.id.as_str(), "assigned" | "updated"))
            })
            .map(|k| &k.value);
        let positional = call.arguments.args.iter().skip(first_name_arg);
        for value in positional.chain(named) {
            // Names the wrapper may copy: public ones, and the defaults functools copies.
            let allowed = |e: &Expr| match e {
                Expr::StringLiteral(s) => {
                    let name = s.value.to_str();
                    !name.starts_with('_') || WRAPPER_DEFAULTS.contains(&name)
                }
                _ => false,
            };
            let literal = match value {
                Expr::Tuple(t) => t.elts.iter().all(allowed),
                Expr::List(l) => l.elts.iter().all(allowed),
                _ => false,
            };
            if !literal {
                self.report(
                    &rules::REFLECTIVE_BUILTIN,
                    value.range(),
                    "the attribute names functools.wraps/update_wrapper copy must be a literal tuple of public names (or its defaults)".to_owned(),
                );
            }
        }
    }

    /// namedtuple, typing.NamedTuple and make_dataclass turn their field names into
    /// attributes and `__match_args__` (which class patterns read): only literal, public
    /// names can be checked.
    fn check_field_names(&mut self, call: &ExprCall, resolved: &[Resolved]) {
        const MAKERS: &[&str] = &[
            "collections.namedtuple",
            "typing.NamedTuple",
            "dataclasses.make_dataclass",
            // The functional API: member names become class attributes, dunders included.
            "enum.Enum",
            "enum.IntEnum",
            "enum.StrEnum",
            "enum.Flag",
            "enum.IntFlag",
        ];
        if !resolved.iter().any(|r| MAKERS.contains(&r.path.as_str())) {
            return;
        }
        let Some(fields) = call.arguments.args.get(1).or_else(|| {
            call.arguments
                .keywords
                .iter()
                .find(|k| {
                    k.arg.as_ref().is_some_and(|a| {
                        matches!(a.id.as_str(), "field_names" | "fields" | "names")
                    })
                })
                .map(|k| &k.value)
        }) else {
            return;
        };
        let public = |e: &Expr| match e {
            Expr::StringLiteral(s) => {
                let text = s.value.to_str();
                text.split([',', ' '])
                    .filter(|n| !n.is_empty())
                    .all(|n| !n.starts_with('_') && !self.policy.attributes.is_escape(n))
            }
            // (name, type) or (name, type, field) pairs.
            Expr::Tuple(t) => t.elts.first().is_some_and(|n| {
                matches!(n, Expr::StringLiteral(s) if !s.value.to_str().starts_with('_')
                    && !self.policy.attributes.is_escape(s.value.to_str()))
            }),
            _ => false,
        };
        let literal = match fields {
            Expr::StringLiteral(_) => public(fields),
            Expr::List(l) => l.elts.iter().all(public),
            Expr::Tuple(t) => t.elts.iter().all(public),
            // Enum("Color", {"RED": 1}): the keys are the names.
            Expr::Dict(d) => d
                .items
                .iter()
                .all(|item| item.key.as_ref().is_some_and(&public)),
            _ => false,
        };
        if !literal || call.arguments.keywords.iter().any(|k| k.arg.is_none()) {
            self.report(
                &rules::MATCH_CLASS_DUNDER,
                fields.range(),
                "field names must be literal public names (they become attributes and __match_args__)".to_owned(),
            );
        }
    }

    /// A callable with a keyword that turns it into file access, used as a value (`configure
    /// = logging.basicConfig`): its calls under the other name would not be checked.
    fn check_keyword_checked_value(&mut self, expr: &Expr) {
        if self.callees.contains(&expr.range()) {
            return;
        }
        let resolved = self.resolve(expr);
        if let Some((path, keyword)) = KEYWORD_CHECKED
            .iter()
            .find(|(path, _)| resolved.iter().any(|r| r.path == *path))
        {
            self.report(
                &rules::FILE_IO,
                expr.range(),
                format!("`{path}` used as a value: its `{keyword}=` would go unchecked; call it directly"),
            );
        }
    }

    /// Arguments that hand library internals to the program (`CALLBACK_ARGUMENTS`), and
    /// classes built from a namespace the validator cannot see: `type(name, bases, ns)`,
    /// `make_dataclass(..., namespace=...)` (a computed `__setstate__` key is a dunder
    /// definition no class statement shows).
    fn check_callback_arguments(&mut self, call: &ExprCall, resolved: &[Resolved]) {
        for (path, position, keyword) in CALLBACK_ARGUMENTS {
            if !resolved.iter().any(|r| r.path == *path) {
                continue;
            }
            let given = call.arguments.args.len() > *position
                || call.arguments.args.iter().any(Expr::is_starred_expr)
                || call
                    .arguments
                    .keywords
                    .iter()
                    .any(|k| k.arg.as_ref().is_none_or(|a| a.id.as_str() == *keyword));
            if given {
                self.report(
                    &rules::REFLECTIVE_BUILTIN,
                    call.range(),
                    format!("`{path}` with `{keyword}`: the library hands it every object it visits; call it without"),
                );
            }
        }
        let builds_class = resolved.iter().any(|r| r.path == "builtins.type")
            && (call.arguments.args.len() > 1
                || call.arguments.args.iter().any(Expr::is_starred_expr)
                || !call.arguments.keywords.is_empty());
        let namespace = resolved
            .iter()
            .any(|r| r.path == "dataclasses.make_dataclass")
            && call.arguments.keywords.iter().any(|k| {
                k.arg
                    .as_ref()
                    .is_none_or(|a| matches!(a.id.as_str(), "namespace" | "bases"))
            });
        if builds_class || namespace {
            self.report(
                &rules::REFLECTIVE_BUILTIN,
                call.range(),
                "a class built from a namespace or bases given as values: write a class statement (its methods and bases are checked there)".to_owned(),
            );
        }
    }

    /// `type(x)` with one argument, or `x.__class__`: the class of a value, which may be any
    /// class the program can reach a value of (`io.FileIO` from `sys.stdout.buffer.raw`).
    fn is_class_of_value(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Call(call) => {
                call.arguments.args.len() == 1
                    && call.arguments.keywords.is_empty()
                    && self.is_type_builtin(&call.func)
            }
            Expr::Attribute(a) => a.attr.id.as_str() == "__class__" && a.ctx.is_load(),
            _ => false,
        }
    }

    /// `super()`, a class the program defines, or a builtin class never rebound.
    fn init_receiver_is_a_class(&self, receiver: &Expr) -> bool {
        match receiver {
            Expr::Call(call) => {
                call.arguments.args.is_empty()
                    && call.arguments.keywords.is_empty()
                    && matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == "super")
                    && self
                        .resolve(&call.func)
                        .iter()
                        .all(|r| r.path == "builtins.super")
            }
            Expr::Name(name) => {
                let id = name.id.as_str();
                if self.is_local(id) {
                    return false;
                }
                self.bindings.only_classes(id)
                    || (self.bindings.assignments(id).is_none()
                        && self.bindings.imports(id).is_empty()
                        && id.chars().next().is_some_and(char::is_uppercase))
            }
            _ => false,
        }
    }

    /// True when `expr` names a module (through an import), as the object table knows it.
    fn is_module_path(&self, expr: &Expr) -> bool {
        self.resolve(expr).iter().any(|r| {
            matches!(self.objects.lookup(&r.path), crate::policy::Lookup::Module(name) if name == r.path)
        })
    }

    /// The builtin `type` itself: `builtins.type`, or the name `type` anywhere but as a
    /// function's own parameter or local. A module-level rebinding (`for type in ("a",)`)
    /// does not count: the check is flow-insensitive, and a read before the loop, or in a
    /// function called before it, is the builtin. Aliases (`T = type`) are refused where
    /// `type` is read as a value.
    fn is_type_builtin(&self, expr: &Expr) -> bool {
        let spelled = match expr {
            Expr::Name(name) => {
                name.id.as_str() == "type" && name.ctx.is_load() && !self.is_local("type")
            }
            Expr::Attribute(a) => a.attr.id.as_str() == "type",
            _ => false,
        };
        spelled && self.resolve(expr).iter().any(|r| r.path == "builtins.type")
    }

    /// Records the places under `expr` where the class of a value (or `type`) may stand:
    /// where no code of the program's is handed it (ninth review: `==` calls the other
    /// operand's `__eq__` with it, `in` a container's `__contains__`, a subscript the
    /// container's `__getitem__`, and a defaultdict stores a key it is looked up with).
    fn mark_class_places(&mut self, expr: &Expr) {
        match expr {
            Expr::Compare(compare) => {
                let operands: Vec<&Expr> = std::iter::once(compare.left.as_ref())
                    .chain(compare.comparators.iter())
                    .collect();
                let identity = compare
                    .ops
                    .iter()
                    .all(|op| matches!(op, CmpOp::Is | CmpOp::IsNot));
                // `type(x) == int`, `type(x) in (int, float)`: the other side is a class the
                // program names through a builtin or an import, whose metaclass is the
                // library's, never the program's.
                let named = |e: &Expr| match e {
                    Expr::Tuple(t) => t.elts.iter().all(|e| self.names_library_class(e)),
                    Expr::List(l) => l.elts.iter().all(|e| self.names_library_class(e)),
                    Expr::Set(s) => s.elts.iter().all(|e| self.names_library_class(e)),
                    other => self.names_library_class(other),
                };
                let safe = identity
                    || operands
                        .iter()
                        .all(|e| self.is_class_of_value(e) || named(e));
                if safe {
                    for operand in operands {
                        self.class_places.insert(operand.range());
                    }
                }
            }
            Expr::Attribute(a)
                if matches!(
                    a.attr.id.as_str(),
                    "__name__" | "__qualname__" | "__module__"
                ) =>
            {
                self.class_places.insert(a.value.range());
            }
            Expr::Call(call) if call.arguments.keywords.is_empty() => {
                let resolved = self.resolve(&call.func);
                let is = |name: &str| resolved.iter().any(|r| r.path == name);
                if is("builtins.isinstance") || is("builtins.issubclass") {
                    // Only the class tested against: the first argument is handed to the
                    // second's __instancecheck__/__subclasscheck__, which a program's
                    // metaclass may define.
                    if let Some(second) = call.arguments.args.get(1) {
                        self.class_places.insert(second.range());
                        if let Expr::Tuple(tuple) = second {
                            for element in &tuple.elts {
                                self.class_places.insert(element.range());
                            }
                        }
                    }
                } else if [
                    "builtins.print",
                    "builtins.str",
                    "builtins.repr",
                    "builtins.format",
                ]
                .iter()
                .any(|name| is(name))
                {
                    for argument in &call.arguments.args {
                        self.class_places.insert(argument.range());
                    }
                }
            }
            Expr::FString(fstring) => {
                for element in fstring.value.elements() {
                    if let InterpolatedStringElement::Interpolation(i) = element {
                        self.class_places.insert(i.expression.range());
                    }
                }
            }
            _ => {}
        }
    }

    /// A class named through a builtin or an import (`int`, `pd.Timestamp`), never a name
    /// the program binds.
    fn names_library_class(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Name(name) => {
                let id = name.id.as_str();
                !self.is_local(id)
                    && self.bindings.assignments(id).is_none()
                    && self
                        .resolve(expr)
                        .iter()
                        .all(|r| r.binding.is_some() || r.path.starts_with("builtins."))
            }
            Expr::Attribute(_) => self.bindings.is_import_path(expr),
            Expr::NoneLiteral(_) => true,
            _ => false,
        }
    }

    /// The class of a value, or `type` itself, anywhere but in the places above: stored,
    /// passed, returned or called, it becomes a constructor nothing checks
    /// (`[type(f)][0](path)`, `partial(type(f), path)`, `map(type, values)`).
    fn check_class_of_value(&mut self, expr: &Expr) {
        // Only calls of `type`, `.__class__` and the name `type` can be one (most nodes are
        // neither: decide that before any lookup).
        let candidate = match expr {
            Expr::Call(call) => {
                matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == "type")
                    || matches!(call.func.as_ref(), Expr::Attribute(a) if a.attr.id.as_str() == "type")
            }
            Expr::Attribute(a) => matches!(a.attr.id.as_str(), "__class__" | "type"),
            Expr::Name(n) => n.id.as_str() == "type",
            _ => false,
        };
        if !candidate {
            return;
        }
        let range = expr.range();
        if self.in_annotation > 0
            || self.callees.contains(&range)
            || self.class_places.contains(&range)
        {
            return;
        }
        if self.is_class_of_value(expr) {
            self.report(
                &rules::REFLECTIVE_BUILTIN,
                range,
                "the class of a value (`type(x)`, `x.__class__`) may only be compared, named (`.__name__`), printed or tested with isinstance: used as a value it is a constructor of whatever class the value has; name the class you mean".to_owned(),
            );
        } else if matches!(expr, Expr::Name(_) | Expr::Attribute(_)) && self.is_type_builtin(expr) {
            self.report(
                &rules::REFLECTIVE_BUILTIN,
                range,
                "`type` as a value: it hands out the class of whatever it is given; call `type(x)` where you compare or print it".to_owned(),
            );
        }
    }

    /// Calling a class reached through a value: `type(x)(...)`, `x.__class__(...)`, or a name
    /// assigned one of those. The class is whatever the value's is (`io.FileIO` from
    /// `sys.stdout.buffer.raw`), which no check of paths or objects sees.
    fn check_class_of_value_call(&mut self, call: &ExprCall) {
        let class_of_value = |checker: &Self, e: &Expr| match e {
            Expr::Call(inner) => checker
                .resolve(&inner.func)
                .iter()
                .any(|r| r.path == "builtins.type"),
            Expr::Attribute(a) => a.attr.id.as_str() == "__class__",
            _ => false,
        };
        let direct = class_of_value(self, &call.func);
        let through_name = match call.func.as_ref() {
            Expr::Name(name) => self
                .bindings
                .assignments(name.id.as_str())
                .is_some_and(|values| values.iter().flatten().any(|v| class_of_value(self, v))),
            _ => false,
        };
        if direct || through_name {
            self.report(
                &rules::REFLECTIVE_BUILTIN,
                call.func.range(),
                "calling the class of a value (`type(x)(...)`, `x.__class__(...)`): it may be any class the value has; name the class you mean".to_owned(),
            );
        }
    }

    /// pandas' options (`pd.set_option(key, value, ...)`, `pd.option_context`): keys are
    /// regular expressions matched against the option names, and some options take a
    /// template that pandas formats (`styler.format.formatter`) or name a module it imports
    /// (`plotting.backend`). Keys must be literals away from those (eighth review).
    fn check_pandas_options(&mut self, call: &ExprCall, resolved: &[Resolved]) {
        if !resolved.iter().any(|r| {
            r.binding.is_some()
                && matches!(
                    r.path.as_str(),
                    "pandas.set_option" | "pandas.option_context"
                )
        }) {
            return;
        }
        const REFUSED: &[&str] = &["styler", "plotting", "formatter", "backend"];
        let mut why = None;
        if !call.arguments.keywords.is_empty() {
            why = Some("options are given as key, value pairs".to_owned());
        }
        for (index, argument) in call.arguments.args.iter().enumerate() {
            if index % 2 == 1 {
                continue;
            }
            match argument {
                Expr::StringLiteral(key) => {
                    let key = key.value.to_str().to_ascii_lowercase();
                    if let Some(word) = REFUSED.iter().find(|w| key.contains(*w)) {
                        why = Some(format!("option keys naming `{word}` are not available"));
                    }
                }
                _ => why = Some("option keys must be literal strings".to_owned()),
            }
        }
        if let Some(why) = why {
            self.report(
                &rules::DYNAMIC_CODE,
                call.func.range(),
                format!("pandas options: {why} (display.* and mode.* options are fine)"),
            );
        }
    }

    /// Keywords that turn an allowed call into file access.
    fn check_forbidden_keywords(&mut self, call: &ExprCall, resolved: &[Resolved]) {
        const FORBIDDEN: &[(&str, &str)] = KEYWORD_CHECKED;
        for (path, keyword) in FORBIDDEN {
            if !resolved.iter().any(|r| r.path == *path) {
                continue;
            }
            for k in &call.arguments.keywords {
                let unpacked = k.arg.is_none();
                if unpacked || k.arg.as_ref().is_some_and(|a| a.id.as_str() == *keyword) {
                    self.report(
                        &rules::FILE_IO,
                        k.range(),
                        format!("`{path}` with `{keyword}=` writes a file; log to stderr (stream=sys.stderr)"),
                    );
                }
            }
        }
    }

    /// Returns true when the call was fully handled (its callee must not be judged again).
    fn visit_call(&mut self, call: &'a ExprCall) -> bool {
        let resolved = self.resolve(&call.func);
        self.check_wrapper_names(call, &resolved);
        self.check_field_names(call, &resolved);
        self.check_forbidden_keywords(call, &resolved);
        self.check_callback_arguments(call, &resolved);
        self.check_class_of_value_call(call);
        self.check_pandas_options(call, &resolved);
        rules::check_reflective_call(self, call, &resolved);
        rules::check_format_call(self, call);
        rules::check_brace_style_call(self, call);
        rules::check_expression_method(self, call);
        rules::check_string_dispatch(self, call);
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
                self.check_class_dunder(def.name.id.as_str(), def.name.range);
                self.visit_function(def);
                return;
            }
            Stmt::ClassDef(class) => {
                self.check_class_dunder(class.name.id.as_str(), class.name.range);
                // Decorators, bases and keywords in the enclosing scope; the body in its own.
                for decorator in &class.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(type_params) = &class.type_params {
                    self.visit_type_params(type_params);
                }
                // Bases are no place for `type`: a program defines no metaclass, so comparing
                // classes with `==` never runs a program's `__eq__` (see mark_class_places).
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.check_private_fields(&class.body);
                let (bound, globals) = scopes::body_names(None, &class.body);
                self.scopes.push(Scope {
                    class: true,
                    bound,
                    globals,
                });
                self.visit_body(&class.body);
                self.scopes.pop();
                return;
            }
            Stmt::Assign(assign) => {
                self.check_match_args_assignment(&assign.targets, &assign.value)
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.check_match_args_assignment(std::slice::from_ref(&assign.target), value);
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        // Out of budget: stop at once, inside a statement too (one statement may hold a
        // hundred thousand calls); the time is read every 1,024 expressions.
        self.expressions = self.expressions.wrapping_add(1);
        if self.exhausted.is_some()
            || (self.expressions.is_multiple_of(1024) && self.out_of_budget())
        {
            return;
        }
        self.mark_class_places(expr);
        self.check_class_of_value(expr);
        match expr {
            Expr::Name(name) => {
                rules::check_escape_name(self, name.id.as_str(), name.range);
                if name.ctx.is_load() {
                    self.check_keyword_checked_value(expr);
                    self.check_chain(expr);
                } else {
                    self.check_class_dunder(name.id.as_str(), name.range);
                }
            }
            Expr::Attribute(attribute) => {
                if attribute.ctx.is_load() {
                    self.check_keyword_checked_value(expr);
                } else {
                    self.check_dunder_store(attribute);
                }
                self.visit_attribute_chain(expr, attribute)
            }
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
                // `"__glo" "bals__"` is one string: judge the whole as well as its pieces.
                if literal.value.is_implicit_concatenated() {
                    let whole = literal.value.to_str();
                    rules::check_escape_string(self, whole, literal.range);
                    rules::check_format_fields(self, whole, literal.range);
                }
                if self.in_annotation > 0 {
                    self.check_string_annotation(literal.value.to_str(), literal.range);
                }
            }
            Expr::FString(fstring) if fstring.value.is_implicit_concatenated() => {
                // Literal pieces joined across the parts (interpolations as a placeholder).
                let mut whole = String::new();
                for part in &fstring.value {
                    match part {
                        ruff_python_ast::FStringPart::Literal(literal) => {
                            whole.push_str(&literal.value)
                        }
                        ruff_python_ast::FStringPart::FString(f) => {
                            for element in &f.elements {
                                match element {
                                    InterpolatedStringElement::Literal(l) => {
                                        whole.push_str(&l.value)
                                    }
                                    InterpolatedStringElement::Interpolation(_) => {
                                        whole.push('\u{0}')
                                    }
                                }
                            }
                        }
                    }
                }
                rules::check_format_fields(self, &whole, fstring.range);
                walk_expr(self, expr);
            }
            Expr::Subscript(subscript) if self.is_typing_generic(&subscript.value) => {
                // `typing.List["..."]` turns its strings into ForwardRefs, which evaluate them;
                // `Literal["a-b"]` holds values, never evaluated.
                self.visit_expr(&subscript.value);
                let literal = self
                    .resolve(&subscript.value)
                    .iter()
                    .any(|r| r.path.ends_with(".Literal"));
                let saved = self.in_annotation;
                self.in_annotation = if literal { 0 } else { saved + 1 };
                self.visit_expr(&subscript.slice);
                self.in_annotation = saved;
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

    fn visit_annotation(&mut self, expr: &'a Expr) {
        self.in_annotation += 1;
        self.visit_expr(expr);
        self.in_annotation -= 1;
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

/// Whether `expr` is a plain type expression (see `check_string_annotation_at`), collecting
/// its dotted names and the strings that are evaluated as annotations again.
fn type_expression(expr: &Expr, names: &mut Vec<String>, nested: &mut Vec<String>) -> bool {
    match expr {
        Expr::Name(name) => {
            names.push(name.id.to_string());
            true
        }
        Expr::Attribute(_) => match dotted_name(expr) {
            Some(dotted) => {
                names.push(dotted);
                true
            }
            None => false,
        },
        Expr::Subscript(subscript) => {
            let literal = matches!(
                dotted_name(&subscript.value),
                Some(d) if d == "Literal" || d.ends_with(".Literal")
            );
            if !type_expression(&subscript.value, names, nested) {
                return false;
            }
            if literal {
                // `Literal['red', 'blue']`: the strings are values, never evaluated.
                let values: &[Expr] = match subscript.slice.as_ref() {
                    Expr::Tuple(tuple) => &tuple.elts,
                    other => std::slice::from_ref(other),
                };
                return values.iter().all(|v| {
                    matches!(
                        v,
                        Expr::StringLiteral(_)
                            | Expr::NumberLiteral(_)
                            | Expr::BooleanLiteral(_)
                            | Expr::NoneLiteral(_)
                    ) || matches!(v, Expr::UnaryOp(op) if op.operand.is_number_literal_expr())
                });
            }
            type_expression(&subscript.slice, names, nested)
        }
        Expr::Tuple(tuple) => tuple.elts.iter().all(|e| type_expression(e, names, nested)),
        Expr::List(list) => list.elts.iter().all(|e| type_expression(e, names, nested)),
        Expr::BinOp(binop) if binop.op == ruff_python_ast::Operator::BitOr => {
            type_expression(&binop.left, names, nested)
                && type_expression(&binop.right, names, nested)
        }
        Expr::StringLiteral(literal) => {
            nested.push(literal.value.to_str().to_owned());
            true
        }
        Expr::EllipsisLiteral(_) | Expr::NoneLiteral(_) | Expr::NumberLiteral(_) => true,
        _ => false,
    }
}

/// `a.b.c` as text when `expr` is a chain of attributes on a name.
fn dotted_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(name) => Some(name.id.to_string()),
        Expr::Attribute(attribute) => {
            let mut base = dotted_name(&attribute.value)?;
            base.push('.');
            base.push_str(attribute.attr.id.as_str());
            Some(base)
        }
        _ => None,
    }
}
