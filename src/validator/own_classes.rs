//! The program's own objects: where `self._x` is the program's own state (PX300 otherwise
//! refuses private attributes of values, since library objects keep modules, frames and the
//! real builtins there: `warnings.catch_warnings()._module` is the warnings module).
//!
//! A private attribute (`_x`, or `__x` that Python mangles; never a dunder or an escape
//! name) read or written through a name is the program's own when that name is
//! - the first parameter of a method of an *own class* (below): an undecorated method, a
//!   property (getter, setter, deleter), `cached_property` or `abstractmethod`; or `cls` of
//!   its classmethods (and `__init_subclass__`), which Python always binds to the class;
//! - a parameter that such a method checked first, with `if not isinstance(p, C): return …`
//!   (or `raise`), where `C` is an own class outside `abc` (ABCs accept registered
//!   classes),
//!
//! and that name is bound by nothing else in the method (no assignment, loop, `with`,
//! `except`, nested parameter, `global` or `nonlocal`).
//!
//! An *own class* is defined once by a `class` statement whose name nothing else binds;
//! decorated by nothing but `dataclass`, `total_ordering` or `final`; with no keyword but
//! `metaclass=ABCMeta`; its bases own classes, `object`, builtin exceptions and
//! containers, `abc.ABC` or `typing.Generic[…]`. Its instances hold only what the program
//! put there.
//!
//! What keeps `self` an instance of its class: Python binds a method to an instance when
//! it is read from one; its bare function is reached only through the class object
//! (`C.m`, `type(x).m`, `x.__class__.m`, `C.__mro__[0].m`, `super(C, C).m`, `cls.m` or
//! `super().m` in a classmethod, a dataclass field's type, a singledispatch registry), or
//! by its name in the class body (`alias = m`, a decorator). So when a program's methods
//! use private attributes, the classes that have them (*guarded*, with every class that
//! derives from one) may only be called, subclassed, compared, named in
//! `isinstance`/`issubclass`, `except`, class patterns and annotations, printed, or have
//! their other attributes read; `C.m(self, …)` and `super(C, self)` stay allowed in a
//! method whose `self` is its own. `type(x)` and `x.__class__` are held to the same
//! uses; `__mro__`, `.registry` and three-argument `type()` are refused. A program without
//! such methods is judged exactly as before.

use ruff_python_ast::visitor::{
    walk_except_handler, walk_expr, walk_parameter, walk_pattern, walk_stmt, walk_type_param,
    Visitor,
};
use ruff_python_ast::{
    Decorator, ExceptHandler, Expr, ExprAttribute, ExprCall, Operator, Parameter, Pattern, Stmt,
    StmtClassDef, StmtFunctionDef, TypeParam,
};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::{FxHashMap, FxHashSet};

use super::checker::RawFinding;
use super::rules;
use crate::names::bindings::Bindings;
use crate::names::scopes;
use crate::policy::{is_dunder, AttributePolicy};

/// What the analysis allows and refuses.
#[derive(Debug, Default)]
pub(crate) struct Ownership {
    /// The `name._x` attribute nodes that are the program's own state.
    pub allowed: FxHashSet<TextRange>,
    /// Uses of guarded class objects (and of `type(x)`, `__class__`, ...) that could run a
    /// method on another object.
    pub findings: Vec<RawFinding>,
}

/// Builtin classes an own class may derive from: none keeps anything under a private name.
const SAFE_BUILTIN_BASES: &[&str] = &[
    "object",
    "BaseException",
    "Exception",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "IndexError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "OverflowError",
    "RuntimeError",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
    "Warning",
    "UserWarning",
    "dict",
    "list",
    "set",
    "frozenset",
    "tuple",
    "str",
    "int",
    "float",
    "complex",
    "bytes",
];
/// Library classes an own class may derive from: abstract bases whose private attributes
/// are their own bookkeeping (`_abc_impl`, `_hash`), never a module, frame or function of
/// another module. `isinstance` against their subclasses accepts registered classes, so
/// such a class is not "plain".
const SAFE_LIBRARY_BASES: &[&str] = &[
    "abc.ABC",
    "typing.Generic",
    "collections.abc.Container",
    "collections.abc.Hashable",
    "collections.abc.Iterable",
    "collections.abc.Iterator",
    "collections.abc.Reversible",
    "collections.abc.Sized",
    "collections.abc.Collection",
    "collections.abc.Sequence",
    "collections.abc.MutableSequence",
    "collections.abc.Set",
    "collections.abc.MutableSet",
    "collections.abc.Mapping",
    "collections.abc.MutableMapping",
];
const SAFE_CLASS_DECORATORS: &[&str] = &[
    "dataclasses.dataclass",
    "functools.total_ordering",
    "typing.final",
    "typing_extensions.final",
];
const INSTANCE_DECORATORS: &[&str] = &[
    "builtins.property",
    "functools.cached_property",
    "abc.abstractmethod",
    "typing.override",
    "typing_extensions.override",
];
/// Attributes that hand out classes or functions of a class: never read from a class value.
const CLASS_WALKS: &[&str] = &[
    "__mro__",
    "__dict__",
    "__bases__",
    "__base__",
    "__subclasses__",
    "__wrapped__",
    "__func__",
    "mro",
    "registry",
];
/// Builtins whose arguments are only turned into text or numbers.
const PRINTING: &[&str] = &[
    "builtins.print",
    "builtins.str",
    "builtins.repr",
    "builtins.id",
    "builtins.hash",
    "builtins.format",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// First parameter: an instance (plain methods, properties).
    Instance,
    /// First parameter: the class (classmethods, `__init_subclass__`).
    Class,
    /// Static methods, `__new__`, unknown decorators: no privileges.
    Other,
}

struct Class<'a> {
    def: &'a StmtClassDef,
    /// Own classes among its bases, by name.
    own_bases: Vec<&'a str>,
    eligible: bool,
    /// No `abc`, `Generic` or metaclass in its own ancestry: `isinstance` means what it says.
    plain: bool,
}

/// The analysis of one program.
pub(crate) fn analyse<'a>(
    source: &str,
    body: &'a [Stmt],
    bindings: &Bindings<'a>,
    attributes: &AttributePolicy,
) -> Ownership {
    let mut bound = Bound::default();
    bound.visit_body(body);
    if bound.star_import {
        // `from m import *` binds names nobody can list: no name is known to be ours.
        return Ownership::default();
    }
    let names = Names {
        bound: &bound.names,
        bindings,
    };
    let mut collector = ClassDefs::default();
    collector.visit_body(body);
    let mut classes: FxHashMap<&'a str, Class<'a>> = FxHashMap::default();
    let mut repeated: FxHashSet<&str> = FxHashSet::default();
    for def in &collector.defs {
        let name = def.name.id.as_str();
        if classes.contains_key(name) {
            repeated.insert(name);
        }
        classes.insert(
            name,
            Class {
                def,
                own_bases: Vec::new(),
                eligible: false,
                plain: false,
            },
        );
    }
    for name in &repeated {
        classes.remove(name);
    }
    // Candidates: one class statement, nothing else binding the name.
    let candidates: Vec<&str> = classes
        .keys()
        .copied()
        .filter(|n| bound.names.get(n) == Some(&1) && bindings.imports(n).is_empty())
        .collect();
    for name in &candidates {
        let Some(class) = classes.get_mut(name) else {
            continue;
        };
        class.eligible = true;
        class.plain = true;
        let def = class.def;
        if !def
            .decorator_list
            .iter()
            .all(|d| names.is(callee(&d.expression), SAFE_CLASS_DECORATORS))
        {
            class.eligible = false;
        }
        if let Some(arguments) = &def.arguments {
            for keyword in &arguments.keywords {
                let metaclass = keyword
                    .arg
                    .as_ref()
                    .is_some_and(|a| a.id.as_str() == "metaclass")
                    && names.is(&keyword.value, &["abc.ABCMeta"]);
                if metaclass {
                    class.plain = false;
                } else {
                    class.eligible = false;
                }
            }
            for base in &arguments.args {
                match base {
                    Expr::Name(n)
                        if names.builtin(n.id.as_str())
                            && SAFE_BUILTIN_BASES.contains(&n.id.as_str()) => {}
                    Expr::Name(n) if candidates.contains(&n.id.as_str()) => {
                        class.own_bases.push(n.id.as_str());
                    }
                    Expr::Subscript(s) if names.is(&s.value, &["typing.Generic"]) => {
                        class.plain = false;
                    }
                    other if names.is(other, SAFE_LIBRARY_BASES) => {
                        class.plain = false;
                    }
                    _ => class.eligible = false,
                }
            }
        }
    }
    // An own class's own bases must be own classes too (to a fixed point).
    loop {
        let mut changed = false;
        let snapshot: FxHashMap<&str, (bool, bool)> = classes
            .iter()
            .map(|(n, c)| (*n, (c.eligible, c.plain)))
            .collect();
        for class in classes.values_mut().filter(|c| c.eligible) {
            for base in &class.own_bases {
                let (eligible, plain) = snapshot.get(base).copied().unwrap_or((false, false));
                if !eligible {
                    class.eligible = false;
                    changed = true;
                } else if !plain && class.plain {
                    class.plain = false;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let eligible: FxHashSet<&str> = classes
        .iter()
        .filter(|(_, c)| c.eligible)
        .map(|(n, _)| *n)
        .collect();
    let plain: FxHashSet<&str> = classes
        .iter()
        .filter(|(_, c)| c.eligible && c.plain)
        .map(|(n, _)| *n)
        .collect();

    // The methods of own classes, and the private attributes they may use; an own class's
    // own class-level state (`Account._count += 1`).
    let mut ownership = Ownership::default();
    let mut class_state = PrivateUses {
        names: &eligible.iter().copied().collect::<Vec<_>>(),
        attributes,
        found: Vec::new(),
    };
    class_state.visit_body(body);
    ownership.allowed.extend(class_state.found);
    let mut methods: Vec<Method<'a>> = Vec::new();
    for name in &eligible {
        let Some(class) = classes.get(name) else {
            continue;
        };
        for stmt in &class.def.body {
            let Stmt::FunctionDef(def) = stmt else {
                continue;
            };
            let method = Method::of(name, def, &names, &plain);
            if method.privileged.is_empty() {
                methods.push(method);
                continue;
            }
            let mut finder = PrivateUses {
                names: &method.privileged,
                attributes,
                found: Vec::new(),
            };
            finder.visit_body(&def.body);
            let uses = !finder.found.is_empty();
            ownership.allowed.extend(finder.found);
            methods.push(Method { uses, ..method });
        }
    }
    // Guarded classes: those whose instance methods (or their own bases') use private
    // attributes, with what may not be read from them; and every class deriving from one.
    let mut restricted: FxHashMap<&str, FxHashSet<&str>> = FxHashMap::default();
    for method in methods
        .iter()
        .filter(|m| m.uses && m.kind == Kind::Instance)
    {
        restricted
            .entry(method.class)
            .or_default()
            .insert(method.def.name.id.as_str());
    }
    if restricted.is_empty() {
        return ownership;
    }
    loop {
        let mut changed = false;
        for def in &collector.defs {
            let name = def.name.id.as_str();
            let inherited: FxHashSet<&str> = def
                .bases()
                .iter()
                .filter_map(|b| match b {
                    Expr::Name(n) => restricted.get(n.id.as_str()),
                    _ => None,
                })
                .flatten()
                .copied()
                .collect();
            if inherited.is_empty() {
                continue;
            }
            let entry = restricted.entry(name).or_default();
            let before = entry.len();
            entry.extend(inherited);
            changed |= entry.len() != before;
        }
        if !changed {
            break;
        }
    }
    let mut all_restricted: FxHashSet<&str> = FxHashSet::default();
    for set in restricted.values() {
        all_restricted.extend(set.iter().copied());
    }
    // A class deriving from a guarded one must be an own class (its name is how its uses
    // are followed).
    for def in &collector.defs {
        let name = def.name.id.as_str();
        if !restricted.contains_key(name) || eligible.contains(name) {
            continue;
        }
        ownership.findings.push(RawFinding {
            rule: &rules::DUNDER_ACCESS,
            range: def.name.range,
            message: format!(
                "class `{name}` derives from a class whose methods use private attributes, so it must be a plain class of this program too (defined once, bases of this program or builtins, decorated by nothing but dataclass/total_ordering)"
            ),
        });
    }
    let guarded: FxHashSet<&str> = restricted.keys().copied().collect();
    let own_functions: FxHashMap<&str, FxHashSet<&str>> = {
        let mut map: FxHashMap<&str, FxHashSet<&str>> = FxHashMap::default();
        for method in methods.iter().filter(|m| m.uses) {
            map.entry(method.class)
                .or_default()
                .insert(method.def.name.id.as_str());
        }
        map
    };
    let method_frames: FxHashMap<TextRange, Method<'a>> =
        methods.into_iter().map(|m| (m.def.range, m)).collect();
    let class_bodies: FxHashMap<TextRange, FxHashSet<&'a str>> = classes
        .values()
        .filter(|c| guarded.contains(c.def.name.id.as_str()))
        .map(|c| {
            (
                c.def.range,
                own_functions
                    .get(c.def.name.id.as_str())
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    // Class-body annotations are stored as written (a class, without `from __future__
    // import annotations`) in `__annotations__` (refused) and in dataclass fields, which
    // `dataclasses.fields` and `__dataclass_fields__` hand out: allowed when neither can
    // appear.
    let class_annotations_safe = !source.contains("fields");
    let mut containment = Containment {
        names: &names,
        bindings,
        guarded: &guarded,
        all_restricted: &all_restricted,
        methods: &method_frames,
        class_bodies: &class_bodies,
        class_annotations_safe,
        frames: Vec::new(),
        top: ruff_text_size::TextSize::default(),
        allowed: FxHashSet::default(),
        bound_calls: FxHashSet::default(),
        findings: Vec::new(),
    };
    for stmt in body {
        containment.top = stmt.start();
        containment.visit_stmt(stmt);
    }
    ownership.findings.extend(containment.findings);
    ownership
}

/// The callee of a decorator or call (`dataclass` of `dataclass(frozen=True)`).
fn callee(expr: &Expr) -> &Expr {
    match expr {
        Expr::Call(call) => &call.func,
        other => other,
    }
}

/// Every name the program binds other than by import, with how many times; whether it
/// star-imports; whether it reads dataclass field types.
#[derive(Default)]
struct Bound<'a> {
    names: FxHashMap<&'a str, u32>,
    star_import: bool,
}

impl<'a> Bound<'a> {
    fn add(&mut self, name: &'a str) {
        *self.names.entry(name).or_default() += 1;
    }
}

impl<'a> Visitor<'a> for Bound<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.add(def.name.id.as_str()),
            Stmt::ClassDef(def) => self.add(def.name.id.as_str()),
            Stmt::Global(g) => g.names.iter().for_each(|n| self.add(n.id.as_str())),
            Stmt::Nonlocal(n) => n.names.iter().for_each(|n| self.add(n.id.as_str())),
            Stmt::ImportFrom(import) if import.names.iter().any(|a| a.name.id.as_str() == "*") => {
                self.star_import = true;
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            if !name.ctx.is_load() {
                self.add(name.id.as_str());
            }
        }
        walk_expr(self, expr);
    }

    fn visit_parameter(&mut self, parameter: &'a Parameter) {
        self.add(parameter.name.id.as_str());
        walk_parameter(self, parameter);
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(h) = handler;
        if let Some(name) = &h.name {
            self.add(name.id.as_str());
        }
        walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        let name = match pattern {
            Pattern::MatchAs(p) => p.name.as_ref(),
            Pattern::MatchStar(p) => p.name.as_ref(),
            Pattern::MatchMapping(p) => p.rest.as_ref(),
            _ => None,
        };
        if let Some(name) = name {
            self.add(name.id.as_str());
        }
        walk_pattern(self, pattern);
    }

    fn visit_type_param(&mut self, type_param: &'a TypeParam) {
        let name = match type_param {
            TypeParam::TypeVar(t) => &t.name,
            TypeParam::TypeVarTuple(t) => &t.name,
            TypeParam::ParamSpec(t) => &t.name,
        };
        self.add(name.id.as_str());
        walk_type_param(self, type_param);
    }
}

/// Every class statement, nested ones included.
#[derive(Default)]
struct ClassDefs<'a> {
    defs: Vec<&'a StmtClassDef>,
}

impl<'a> Visitor<'a> for ClassDefs<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::ClassDef(def) = stmt {
            self.defs.push(def);
        }
        walk_stmt(self, stmt);
    }
}

/// Name resolution for the analysis: a name is what an import or the builtins make it only
/// when nothing else in the program binds it.
struct Names<'n, 'a> {
    bound: &'n FxHashMap<&'a str, u32>,
    bindings: &'n Bindings<'a>,
}

impl Names<'_, '_> {
    fn root(expr: &Expr) -> Option<&str> {
        let mut current = expr;
        while let Expr::Attribute(a) = current {
            current = &a.value;
        }
        match current {
            Expr::Name(n) => Some(n.id.as_str()),
            _ => None,
        }
    }

    /// `expr` is a name or attribute chain that stands for one of `paths` only.
    fn is(&self, expr: &Expr, paths: &[&str]) -> bool {
        let Some(root) = Self::root(expr) else {
            return false;
        };
        if self.bound.contains_key(root) {
            return false;
        }
        let resolved = self.bindings.resolve(expr);
        !resolved.is_empty() && resolved.iter().all(|r| paths.contains(&r.path.as_str()))
    }

    /// `name` is the builtin of that name.
    fn builtin(&self, name: &str) -> bool {
        !self.bound.contains_key(name) && self.bindings.imports(name).is_empty()
    }
}

struct Method<'a> {
    class: &'a str,
    def: &'a StmtFunctionDef,
    kind: Kind,
    /// The first parameter.
    first: Option<&'a str>,
    /// Names whose private attributes are the program's own in this method.
    privileged: Vec<&'a str>,
    /// It uses some.
    uses: bool,
}

impl<'a> Method<'a> {
    fn of(
        class: &'a str,
        def: &'a StmtFunctionDef,
        names: &Names<'_, 'a>,
        plain: &FxHashSet<&str>,
    ) -> Self {
        let kind = method_kind(def, names);
        let first = def
            .parameters
            .posonlyargs
            .iter()
            .chain(def.parameters.args.iter())
            .next()
            .map(|p| p.parameter.name.id.as_str());
        let mut method = Method {
            class,
            def,
            kind,
            first,
            privileged: Vec::new(),
            uses: false,
        };
        let Some(first) = first else {
            return method;
        };
        if kind == Kind::Other {
            return method;
        }
        let mut inside = Bound::default();
        inside.visit_body(&def.body);
        let unbound = |name: &str| !inside.names.contains_key(name);
        if !unbound(first) {
            return method;
        }
        method.privileged.push(first);
        if kind != Kind::Instance {
            return method;
        }
        // `if not isinstance(p, C): return ...` at the top: `p` is a C from there on.
        let parameters: FxHashSet<&str> = def
            .parameters
            .posonlyargs
            .iter()
            .chain(def.parameters.args.iter())
            .chain(def.parameters.kwonlyargs.iter())
            .map(|p| p.parameter.name.id.as_str())
            .collect();
        let mut statements = def.body.iter().peekable();
        if let Some(Stmt::Expr(e)) = statements.peek() {
            if e.value.is_string_literal_expr() {
                statements.next();
            }
        }
        for stmt in statements {
            let Some((parameter, class)) = isinstance_guard(stmt, names) else {
                break;
            };
            if parameters.contains(parameter)
                && parameter != first
                && unbound(parameter)
                && plain.contains(class)
            {
                method.privileged.push(parameter);
            }
        }
        method
    }
}

fn method_kind(def: &StmtFunctionDef, names: &Names<'_, '_>) -> Kind {
    let decorators: Vec<&Decorator> = def.decorator_list.iter().collect();
    let instance_like = |d: &&Decorator| {
        names.is(&d.expression, INSTANCE_DECORATORS)
            || matches!(&d.expression, Expr::Attribute(a)
                if a.value.is_name_expr()
                    && matches!(a.attr.id.as_str(), "setter" | "getter" | "deleter"))
    };
    let classmethod = |d: &&Decorator| names.is(&d.expression, &["builtins.classmethod"]);
    let abstract_ = |d: &&Decorator| names.is(&d.expression, &["abc.abstractmethod"]);
    match def.name.id.as_str() {
        "__new__" => return Kind::Other,
        "__init_subclass__" | "__class_getitem__" => {
            return if decorators.iter().all(&classmethod) {
                Kind::Class
            } else {
                Kind::Other
            };
        }
        _ => {}
    }
    if decorators.iter().all(instance_like) {
        Kind::Instance
    } else if decorators.iter().any(classmethod)
        && decorators.iter().all(|d| classmethod(d) || abstract_(d))
    {
        Kind::Class
    } else {
        Kind::Other
    }
}

/// `if not isinstance(p, C): return …` or `raise …`, with nothing else in it.
fn isinstance_guard<'a>(stmt: &'a Stmt, names: &Names<'_, '_>) -> Option<(&'a str, &'a str)> {
    let Stmt::If(test) = stmt else {
        return None;
    };
    if !test.elif_else_clauses.is_empty()
        || test.body.len() != 1
        || !matches!(test.body[0], Stmt::Return(_) | Stmt::Raise(_))
    {
        return None;
    }
    let Expr::UnaryOp(not) = test.test.as_ref() else {
        return None;
    };
    if not.op != ruff_python_ast::UnaryOp::Not {
        return None;
    }
    let Expr::Call(call) = not.operand.as_ref() else {
        return None;
    };
    if !names.is(&call.func, &["builtins.isinstance"])
        || call.arguments.args.len() != 2
        || !call.arguments.keywords.is_empty()
    {
        return None;
    }
    match (&call.arguments.args[0], &call.arguments.args[1]) {
        (Expr::Name(p), Expr::Name(c)) => Some((p.id.as_str(), c.id.as_str())),
        _ => None,
    }
}

/// `name._x` in a method body, for the method's privileged names.
struct PrivateUses<'m, 'a> {
    names: &'m [&'a str],
    attributes: &'m AttributePolicy,
    found: Vec<TextRange>,
}

impl<'a> Visitor<'a> for PrivateUses<'_, 'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Attribute(a) = expr {
            let attr = a.attr.id.as_str();
            let private = attr.starts_with('_')
                && !is_dunder(attr)
                && !self.attributes.is_escape(attr)
                && attr.len() > 1;
            if private
                && matches!(a.value.as_ref(), Expr::Name(n) if self.names.contains(&n.id.as_str()))
            {
                self.found.push(a.range);
            }
        }
        walk_expr(self, expr);
    }
}

/// A function-like scope being walked.
struct Frame<'a> {
    /// Names it binds (a name bound anywhere in a function is local to all of it).
    locals: FxHashSet<&'a str>,
    /// `self` of an instance method of an own class whose `self` is its own.
    instance: Option<&'a str>,
    /// `cls` of a classmethod of an own class: a class value to contain.
    class_value: Option<&'a str>,
    /// Not an instance method: a zero-argument `super()` here may be bound to a class, so
    /// `super().m` may be the bare function.
    unbinding_super: bool,
}

enum Scope<'n, 'a> {
    Function(Frame<'a>),
    /// The body of a guarded class, with its functions that use private attributes.
    ClassBody(&'n FxHashSet<&'a str>),
    /// Any other class body.
    OtherClass,
}

/// Finds uses of guarded class values outside the allowed forms.
struct Containment<'n, 'a> {
    names: &'n Names<'n, 'a>,
    bindings: &'n Bindings<'a>,
    guarded: &'n FxHashSet<&'a str>,
    all_restricted: &'n FxHashSet<&'a str>,
    methods: &'n FxHashMap<TextRange, Method<'a>>,
    class_bodies: &'n FxHashMap<TextRange, FxHashSet<&'a str>>,
    /// Class-body annotations are never read back as values.
    class_annotations_safe: bool,
    frames: Vec<Scope<'n, 'a>>,
    /// Start of the top-level statement being walked.
    top: ruff_text_size::TextSize,
    /// Expressions whose parent allows them to be a class value.
    allowed: FxHashSet<TextRange>,
    /// `C.m` callees of `C.m(self, ...)`.
    bound_calls: FxHashSet<TextRange>,
    findings: Vec<RawFinding>,
}

impl<'n, 'a> Containment<'n, 'a> {
    fn function(&self) -> Option<&Frame<'a>> {
        self.frames.iter().rev().find_map(|s| match s {
            Scope::Function(f) => Some(f),
            _ => None,
        })
    }

    /// `name` read here is the builtin of that name: no enclosing function binds it, and no
    /// top-level statement before this one binds it for certain. (Refusals ask this: a name
    /// the program binds elsewhere is still the builtin here.)
    fn builtin_here(&self, name: &str) -> bool {
        let bound_in_function = self.frames.iter().any(|s| match s {
            Scope::Function(f) => f.locals.contains(name),
            _ => false,
        });
        !bound_in_function
            && !self.bindings.global_before(name, self.top)
            && self.bindings.imports(name).is_empty()
    }

    /// `name` is `cls` of an enclosing classmethod (not shadowed by an inner function).
    fn is_class_parameter(&self, name: &str) -> bool {
        for scope in self.frames.iter().rev() {
            if let Scope::Function(f) = scope {
                if f.class_value == Some(name) {
                    return true;
                }
                if f.locals.contains(name) {
                    return false;
                }
            }
        }
        false
    }

    /// A call of the builtin `name` (as judged for refusals).
    fn calls_builtin(&self, call: &ExprCall, name: &str) -> bool {
        matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == name && self.builtin_here(name))
    }

    fn refuse(&mut self, range: TextRange, message: String) {
        self.findings.push(RawFinding {
            rule: &rules::DUNDER_ACCESS,
            range,
            message,
        });
    }

    fn allow(&mut self, expr: &Expr) {
        self.allowed.insert(expr.range());
    }

    /// A type expression: names in it may be classes (`list[C]`, `C | None`).
    fn allow_type(&mut self, expr: &Expr) {
        self.allow(expr);
        match expr {
            Expr::Subscript(s) => {
                self.allow_type(&s.value);
                self.allow_type(&s.slice);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.allow_type(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.allow_type(e)),
            Expr::BinOp(b) if b.op == Operator::BitOr => {
                self.allow_type(&b.left);
                self.allow_type(&b.right);
            }
            _ => {}
        }
    }

    /// What `expr` is when it is a class value this analysis follows: a guarded class's
    /// name, `cls` of a classmethod, `type` itself, `type(x)` or `x.__class__`.
    fn class_value(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(n) if n.ctx.is_load() => {
                let id = n.id.as_str();
                if self.guarded.contains(id) {
                    Some(format!("class `{id}`"))
                } else if self.is_class_parameter(id) {
                    Some(format!("`{id}` (the class of a classmethod)"))
                } else if id == "type" && self.builtin_here("type") {
                    Some("`type`".to_owned())
                } else {
                    None
                }
            }
            Expr::Call(call) if self.calls_builtin(call, "type") => Some("`type(...)`".to_owned()),
            Expr::Attribute(a) if a.attr.id.as_str() == "__class__" && a.ctx.is_load() => {
                Some("`.__class__`".to_owned())
            }
            _ => None,
        }
    }

    fn visit_call(&mut self, call: &'a ExprCall) {
        self.allow(&call.func);
        let args = &call.arguments.args;
        if self
            .names
            .is(&call.func, &["builtins.isinstance", "builtins.issubclass"])
        {
            for arg in args.iter().take(2) {
                self.allow_type(arg);
            }
        } else if self.names.is(&call.func, PRINTING) {
            for arg in args {
                self.allow(arg);
            }
        }
        if self.calls_builtin(call, "type")
            && (args.len() != 1 || !call.arguments.keywords.is_empty())
        {
            self.refuse(
                call.range(),
                "type() with three arguments makes a class at run time; define it with a class statement (this program's classes have methods that use private attributes)".to_owned(),
            );
        }
        if self.calls_builtin(call, "super") && !args.is_empty() {
            let instance = self.function().and_then(|f| f.instance);
            let bound_to_self = args.len() == 2
                && matches!(&args[1], Expr::Name(n) if Some(n.id.as_str()) == instance);
            if bound_to_self {
                self.allow(&args[0]);
            } else {
                self.refuse(
                    call.range(),
                    "super() with arguments other than (Class, self) in an instance method can hand out a class's functions unbound; write super() (this program's classes have methods that use private attributes)".to_owned(),
                );
            }
        }
        // `C.m(self, ...)`: the method, bound by hand to this method's own `self`.
        if let (Expr::Attribute(a), Some(Expr::Name(first))) = (call.func.as_ref(), args.first()) {
            let instance = self.function().and_then(|f| f.instance);
            if Some(first.id.as_str()) == instance && a.value.is_name_expr() {
                self.bound_calls.insert(a.range);
            }
        }
    }

    fn visit_attribute(&mut self, a: &'a ExprAttribute) {
        let attr = a.attr.id.as_str();
        if self.bound_calls.contains(&a.range) {
            self.allow(&a.value);
            return;
        }
        if matches!(attr, "__mro__" | "registry") && a.ctx.is_load() {
            self.refuse(
                a.range,
                format!("`.{attr}` hands out classes or functions; this program's classes have methods that use private attributes, so it is refused"),
            );
            return;
        }
        let zero_arg_super = matches!(a.value.as_ref(), Expr::Call(c)
            if c.arguments.args.is_empty() && self.calls_builtin(c, "super"));
        if zero_arg_super
            && self.function().is_none_or(|f| f.unbinding_super)
            && self.all_restricted.contains(attr)
        {
            self.refuse(
                a.range,
                format!("`super().{attr}` outside an instance method may be the function itself, not bound to an instance; call it on an instance"),
            );
        }
        if !a.ctx.is_load() || !(self.all_restricted.contains(attr) || CLASS_WALKS.contains(&attr))
        {
            self.allow(&a.value);
        } else if let Expr::Name(class) = a.value.as_ref() {
            if self.guarded.contains(class.id.as_str()) && self.all_restricted.contains(attr) {
                let (class, method) = (class.id.as_str(), attr);
                self.refuse(
                    a.range,
                    format!("`{class}.{method}` is the bare function of a method that uses private attributes, which would run on any object given to it; call it on an instance (`lambda x: x.{method}()`, or `obj.{method}()`)"),
                );
                self.allow(&a.value);
            }
        }
    }

    fn enter_function(&mut self, range: TextRange, locals: FxHashSet<&'a str>) {
        let frame = match self.methods.get(&range) {
            Some(m) => Frame {
                locals,
                instance: (m.kind == Kind::Instance && !m.privileged.is_empty())
                    .then_some(m.first)
                    .flatten(),
                class_value: (m.kind == Kind::Class).then_some(m.first).flatten(),
                unbinding_super: m.kind != Kind::Instance,
            },
            None => Frame {
                locals,
                instance: None,
                class_value: None,
                unbinding_super: true,
            },
        };
        self.frames.push(Scope::Function(frame));
    }
}

impl<'a> Visitor<'a> for Containment<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                // Decorators, defaults and annotations in the enclosing scope.
                for decorator in &def.decorator_list {
                    if let (Some(Scope::ClassBody(_)), Expr::Attribute(a)) =
                        (self.frames.last(), &decorator.expression)
                    {
                        if matches!(a.attr.id.as_str(), "setter" | "getter" | "deleter") {
                            self.allow(&a.value);
                        }
                    }
                    self.visit_expr(&decorator.expression);
                }
                for parameter in def.parameters.iter() {
                    if let Some(annotation) = parameter.annotation() {
                        self.allow_type(annotation);
                        self.visit_expr(annotation);
                    }
                    if let Some(default) = parameter.default() {
                        self.visit_expr(default);
                    }
                }
                if let Some(returns) = &def.returns {
                    self.allow_type(returns);
                    self.visit_expr(returns);
                }
                let (locals, _) = scopes::body_names(Some(&def.parameters), &def.body);
                self.enter_function(def.range, locals);
                self.visit_body(&def.body);
                self.frames.pop();
                return;
            }
            Stmt::ClassDef(def) => {
                for decorator in &def.decorator_list {
                    self.visit_expr(&decorator.expression);
                }
                if let Some(arguments) = &def.arguments {
                    for base in &arguments.args {
                        self.allow_type(base);
                        self.visit_expr(base);
                    }
                    for keyword in &arguments.keywords {
                        self.visit_expr(&keyword.value);
                    }
                }
                let scope = match self.class_bodies.get(&def.range) {
                    Some(functions) => Scope::ClassBody(functions),
                    None => Scope::OtherClass,
                };
                self.frames.push(scope);
                self.visit_body(&def.body);
                self.frames.pop();
                return;
            }
            Stmt::AnnAssign(assign) => {
                let in_class = matches!(
                    self.frames.last(),
                    Some(Scope::ClassBody(_) | Scope::OtherClass)
                );
                if !in_class || self.class_annotations_safe {
                    self.allow_type(&assign.annotation);
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        // The node itself, as its parent allowed it or not.
        if let Some(what) = self.class_value(expr) {
            if !self.allowed.contains(&expr.range()) {
                self.refuse(
                    expr.range(),
                    format!("{what} used as a value: this program's classes have methods that use private attributes (`self._x`), and a class value could run them on objects that are not their instances; call the class, subclass it, compare it, read its other attributes, or name it in isinstance/issubclass, `except` or an annotation"),
                );
            }
        }
        if let (Expr::Name(n), Some(Scope::ClassBody(functions))) = (expr, self.frames.last()) {
            if n.ctx.is_load()
                && functions.contains(n.id.as_str())
                && !self.allowed.contains(&n.range)
            {
                self.refuse(
                    n.range,
                    format!("`{}` is a method that uses private attributes: in the class body it may only be the property of `@{}.setter`", n.id, n.id),
                );
            }
        }
        // What it allows its children.
        match expr {
            Expr::Call(call) => self.visit_call(call),
            Expr::Attribute(a) => self.visit_attribute(a),
            Expr::Compare(c) => {
                self.allow(&c.left);
                for comparator in &c.comparators {
                    self.allow(comparator);
                }
            }
            Expr::FString(f) => {
                for element in f.value.elements() {
                    if let ruff_python_ast::InterpolatedStringElement::Interpolation(i) = element {
                        self.allow(&i.expression);
                    }
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for default in parameters.iter().filter_map(|p| p.default()) {
                        self.visit_expr(default);
                    }
                }
                let locals = scopes::lambda_locals(lambda.parameters.as_deref(), &lambda.body);
                self.enter_function(lambda.range, locals);
                self.visit_expr(&lambda.body);
                self.frames.pop();
                return;
            }
            _ => {}
        }
        walk_expr(self, expr);
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(h) = handler;
        if let Some(type_) = &h.type_ {
            self.allow_type(type_);
        }
        walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        if let Pattern::MatchClass(class) = pattern {
            self.allow(&class.cls);
        }
        walk_pattern(self, pattern);
    }
}
