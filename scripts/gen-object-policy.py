#!/usr/bin/env python3
"""Generates the object-level policy tables, roles/policy/objects/<tier>.tsv.

Run it with the sandbox's own interpreter, without site-packages (the sandbox sees only the
standard library, and for the heavy tier the heavy runtime):

    /usr/bin/python3 -S scripts/gen-object-policy.py lightweight
    PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/opt/pyexec/heavy/site-packages \
        /usr/bin/python3 -S scripts/gen-object-policy.py heavy

It imports every module the tier allows and walks its public attributes (and the public
members of the classes it defines) to a bounded depth, classifying each object it reaches by
identity, not by name:

    path<TAB>ok                       a safe object (function, class, constant); left out of
                                      the heavy table, whose unknown paths are judged by the
                                      attribute rules
    path<TAB>module<TAB>NAME          the module NAME (the validator allows it only when the
                                      tier allows NAME, and goes on resolving in NAME)
    path<TAB>deny<TAB>SEED            the same object as SEED, an entry of denylist.toml (or an
                                      object defined in a module that entry denies whole), or
                                      a callable of a third-party library named like one
                                      (roles/policy/generator.toml); SEED's rule and reason are
                                      what the validator reports

`--check` regenerates into memory and fails when the file on disk differs: a library upgrade
that opens a path changes the table, and CI says so.
"""
import argparse
import fnmatch
import importlib
import inspect
import io
import os
import sys
import tomllib
import types
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICY = os.path.join(ROOT, "roles", "policy")
# Members of classes are walked one level: `pandas.DataFrame.to_pickle`, `string.Formatter.vformat`.
CLASS_DEPTH = 1


def load_toml(name):
    with open(os.path.join(POLICY, name), "rb") as f:
        return tomllib.load(f)


def tier_imports(tier):
    entries = load_toml("lightweight.toml")["imports"]
    if tier == "heavy":
        entries = entries + load_toml("heavy.toml")["imports"]
    return entries


def allowed_modules(tier):
    return [e["module"] for e in tier_imports(tier)]


def restricted_modules(tier):
    """Modules allowed with `only` some attributes: only those are walked."""
    return {e["module"]: set(e["only"]) for e in tier_imports(tier) if "only" in e}


def permitted(name, allowed):
    parts = name.split(".")
    return any(".".join(parts[:i]) in allowed for i in range(1, len(parts) + 1))


def resolve(path):
    """The object a dotted path names, importing its longest importable module prefix."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:
            continue
        try:
            for part in parts[cut:]:
                obj = getattr(obj, part)
        except Exception:
            return None
        return obj
    return None


def public_names(obj):
    try:
        names = dir(obj)
    except Exception:
        return []
    return sorted(n for n in names if not n.startswith("_"))


def static_member(cls, name):
    try:
        member = inspect.getattr_static(cls, name)
    except Exception:
        return None
    if isinstance(member, (staticmethod, classmethod)):
        member = member.__func__
    return member


class Seeds:
    """What is dangerous, by identity and by defining module."""

    def __init__(self, generator):
        self.ids = {}  # id(obj) -> seed path
        self.keep = []  # the objects, so that their ids stay theirs
        self.modules = {}  # module name -> seed path (everything defined in it is dangerous)
        for entry in load_toml("denylist.toml")["deny"]:
            path = entry["path"]
            if path.endswith("*"):
                parent, _, prefix = path[:-1].rpartition(".")
                holder = resolve(parent) if parent else None
                if holder is None:
                    continue
                for name in dir(holder):
                    if name.startswith(prefix):
                        self.add(getattr(holder, name, None), f"{parent}.{name}", path)
                continue
            obj = resolve(path)
            if obj is None:
                # Not importable here (a library that is not installed): by name only.
                self.modules.setdefault(path, path)
                continue
            self.add(obj, path, path)
        for name, seed in generator.get("defining_modules", {}).items():
            self.modules.setdefault(name, seed)
        for entry in generator.get("identities", []):
            obj = resolve(entry["path"])
            if obj is not None:
                self.ids.setdefault(id(obj), f"identity:{entry['path']}")
                self.keep.append(obj)
        self.patterns = generator.get("third_party_name_patterns", [])
        # Readers and writers by their parameters (heavy tier only: the lightweight tier has
        # no third-party modules).
        self.path_parameters = generator.get("path_parameters", [])
        io_policy = load_toml("heavy.toml")["io"]
        self.io_exact = {f["path"] for f in io_policy["functions"] if not f["path"].endswith("*")}
        self.io_globs = [f["path"][:-1] for f in io_policy["functions"] if f["path"].endswith("*")]
        self.io_methods = set(io_policy["methods"]["names"])

    def add(self, obj, shown, seed):
        if obj is None or isinstance(obj, (int, float, str, bytes, bool, type(None))):
            return
        if isinstance(obj, types.ModuleType):
            self.modules.setdefault(obj.__name__, seed)
            # What the module defines (itself or in its private twin: pyarrow.fs holds
            # pyarrow._fs's classes) is dangerous wherever it is re-exported.
            name = obj.__name__
            parent, _, last = name.rpartition(".")
            own = {name, f"{parent}._{last}" if parent else f"_{last}"}
            for attr in dir(obj):
                member = getattr(obj, attr, None)
                if isinstance(member, types.ModuleType) or not callable(member):
                    continue
                if getattr(member, "__module__", None) in own:
                    self.ids.setdefault(id(member), seed)
                    self.keep.append(member)
        self.ids.setdefault(id(obj), seed)
        self.keep.append(obj)

    def module_seed(self, name):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            seed = self.modules.get(".".join(parts[:i]))
            if seed is not None:
                return seed
        return None

    def judge(self, obj, name, path=None):
        """The seed `obj` is dangerous as, or None."""
        seed = self.ids.get(id(obj))
        if seed is not None:
            # The object under its own name is judged by the validator's rules directly.
            if seed.startswith("identity:") and path == seed[len("identity:"):]:
                return None
            return seed
        if isinstance(obj, types.ModuleType):
            return self.module_seed(obj.__name__)
        if not callable(obj):
            return None
        try:
            defined_in = obj.__module__
        except Exception:
            defined_in = None
        if isinstance(defined_in, str):
            seed = self.module_seed(defined_in)
            if seed is not None:
                return seed
            if defined_in.split(".")[0] not in sys.stdlib_module_names:
                for pattern in self.patterns:
                    if fnmatch.fnmatchcase(name, pattern["name"]):
                        return f"pattern:{pattern['name']}"
                return self.judge_parameters(obj, name, path, defined_in)
        return None

    def judge_parameters(self, obj, name, path, defined_in):
        """`parameter:NAME` when a third-party callable takes a path parameter and is not a
        data I/O function or method the validator checks."""
        if path is None or not self.path_parameters:
            return None
        if path in self.io_exact or any(path.startswith(g) for g in self.io_globs):
            return None
        if name in self.io_methods:
            return None
        try:
            parameters = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            return None
        package = defined_in.split(".")[0]
        for group in self.path_parameters:
            modules = group.get("modules")
            if modules is not None and package not in modules:
                continue
            for parameter in parameters:
                if parameter in group["names"]:
                    return f"parameter:{parameter}"
        return None


def generate(tier):
    generator = load_toml("generator.toml")
    allowed = allowed_modules(tier)
    restricted = restricted_modules(tier)
    seeds = Seeds(generator)
    entries = {}
    queue = []
    walked = set()
    star_modules = []

    def classify(obj, path, name, depth):
        seed = seeds.judge(obj, name, path)
        if seed is not None:
            entries[path] = ("deny", seed)
            return
        if isinstance(obj, types.ModuleType):
            entries[path] = ("module", obj.__name__)
            if permitted(obj.__name__, allowed) and obj.__name__ not in walked:
                queue.append(obj.__name__)
            return
        entries[path] = ("ok", "")
        if isinstance(obj, type) and depth < CLASS_DEPTH:
            for member_name in public_names(obj):
                member = static_member(obj, member_name)
                if member is not None:
                    classify(member, f"{path}.{member_name}", member_name, depth + 1)

    for name in allowed:
        queue.append(name)
    missing = []
    while queue:
        name = queue.pop(0)
        if name in walked:
            continue
        walked.add(name)
        try:
            module = importlib.import_module(name)
        except Exception as err:
            missing.append(f"{name}: {type(err).__name__}")
            continue
        if seeds.judge(module, name) is not None:
            continue
        entries[name] = ("module", name)
        only = restricted.get(name)
        for attr in public_names(module):
            if only is not None and attr not in only:
                continue
            try:
                obj = getattr(module, attr)
            except Exception:
                continue
            classify(obj, f"{name}.{attr}", attr, 0)
        star_modules.append((name, module, only))
    # `from M import *`: allowed when every name it binds is safe (or an allowed module).
    for name, module, only in star_modules:
        exported = getattr(module, "__all__", None)
        if not isinstance(exported, (list, tuple)):
            exported = [n for n in dir(module) if not n.startswith("_")]
        verdict = ("ok", "")
        # Sorted: some libraries build __all__ from sets, whose order changes per process.
        for attr in sorted(exported, key=str):
            if not isinstance(attr, str) or attr.startswith("_") or (only is not None and attr not in only):
                verdict = ("deny", "pattern:*private*")
                break
            # A name the validator checks at its call sites would lose its path.
            seed = seeds.ids.get(id(getattr(module, attr, None)))
            if seed is not None and seed.startswith("identity:"):
                verdict = ("deny", seed)
                break
            entry = entries.get(f"{name}.{attr}")
            if entry is None:
                continue
            if entry[0] == "deny":
                verdict = entry
                break
            # A module bound by a star import is a name the validator cannot follow.
            if entry[0] == "module":
                verdict = ("deny", "pattern:*module*")
                break
        entries[f"{name}.*"] = verdict
    return entries, missing, walked


def parameters(holder, name, obj):
    """(positional slots, keyword names, takes *args) of a callable, or None when it has no
    readable signature (C methods such as numpy.ndarray.tofile). A method reached through
    its class loses its `self` (it is called on an instance)."""
    drop_first = False
    if isinstance(holder, type):
        # Called on an instance: the first parameter is the instance, unless the member is a
        # static method or already bound (a class method).
        raw = static_member_raw(holder, name)
        bound = inspect.ismethod(obj) or (
            isinstance(obj, types.BuiltinMethodType) and getattr(obj, "__self__", None) is not None
        )
        drop_first = not isinstance(raw, staticmethod) and not bound
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    positional, keywords, star = [], [], False
    for i, (pname, param) in enumerate(signature.parameters.items()):
        if drop_first and i == 0:
            continue
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional.append(pname)
        if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            keywords.append(pname)
        if param.kind == param.VAR_POSITIONAL:
            star = True
    return positional, keywords, star


def static_member_raw(cls, name):
    try:
        return inspect.getattr_static(cls, name)
    except Exception:
        return None


def io_signatures(entries):
    """The parameters of every data I/O function and method of heavy.toml [io], read from the
    real runtime: the validator accepts only these keywords (less the forbidden ones) in a
    data I/O call, and maps positional arguments to them, so a library upgrade that adds a
    parameter shows up here and in review. Methods (`to_csv`) are called on values of unknown
    type: every callable of that name the walk reached counts, position by position."""
    io_policy = load_toml("heavy.toml")["io"]
    forbidden = set(io_policy.get("forbidden_keywords", []))
    forwards = io_policy.get("forwards", {})

    def holder_and_object(path):
        parent, _, name = path.rpartition(".")
        holder = resolve(parent) if parent else None
        return holder, name, (getattr(holder, name, None) if holder is not None else None)

    def describe(candidates, extra):
        # A C method without a signature (numpy.ndarray.dump) adds no positions; the
        # positions are unknown only when no candidate has a signature.
        readable = [params for params in candidates if params is not None]
        slots, names, star, unknown = [], set(), False, not readable
        for params in readable:
            positional, keywords, takes_star = params
            for i, pname in enumerate(positional):
                while len(slots) <= i:
                    slots.append(set())
                slots[i].add(pname)
            names.update(keywords)
            star = star or takes_star
        for params in extra:
            if params is not None:
                names.update(params[1])
        names -= forbidden
        positional = "?" if unknown or not candidates else ",".join("|".join(sorted(s)) for s in slots)
        if star:
            positional += ",*"
        return positional, ",".join(sorted(names)) or "-"

    path_keywords = {f["path"]: f["keyword"] for f in io_policy["functions"]}

    def forwarded(key):
        """The parameters of where `key`'s **kwargs go, less the target's own path (the
        caller's path is the one checked)."""
        out = []
        for target in forwards.get(key, []):
            holder, name, obj = holder_and_object(target)
            if obj is None:
                raise SystemExit(f"heavy.toml [io.forwards] {key}: {target} not found")
            params = parameters(holder, name, obj)
            if params is not None:
                own_path = path_keywords.get(target)
                params = (params[0], [k for k in params[1] if k != own_path], params[2])
            out.append(params)
        return out

    lines = []
    for entry in io_policy["functions"]:
        path = entry["path"]
        if path.endswith("*"):
            parent, _, prefix = path[:-1].rpartition(".")
            holder = resolve(parent)
            names = [n for n in public_names(holder) if n.startswith(prefix)] if holder is not None else []
            targets = [f"{parent}.{n}" for n in names]
        else:
            targets = [path]
        for target in targets:
            holder, name, obj = holder_and_object(target)
            if obj is None or not callable(obj) or isinstance(obj, types.ModuleType):
                continue
            positional, keywords = describe([parameters(holder, name, obj)], forwarded(target))
            lines.append(("function", target, positional, keywords))
    for method in io_policy["methods"]["names"]:
        candidates = []
        for path in sorted(entries):
            if path.rpartition(".")[2] != method or entries[path][0] != "ok":
                continue
            holder, name, obj = holder_and_object(path)
            if obj is not None and callable(obj):
                candidates.append(parameters(holder, name, obj))
        positional, keywords = describe(candidates, forwarded(method))
        lines.append(("method", method, positional, keywords))
    return sorted(set(lines))


def render_signatures(lines):
    out = io.StringIO()
    version = ".".join(map(str, sys.version_info[:3]))
    out.write("# Parameters of the heavy tier's data I/O functions and methods: generated by\n")
    out.write(f"# scripts/gen-object-policy.py heavy from Python {version} and the heavy runtime. Do not edit.\n")
    out.write("# kind<TAB>name<TAB>positional slots (names|of|candidates, * = takes *args, ? = unknown)<TAB>keywords accepted (- = none)\n")
    for kind, name, positional, keywords in lines:
        out.write(f"{kind}\t{name}\t{positional}\t{keywords}\n")
    return out.getvalue()


def render(tier, entries, missing):
    out = io.StringIO()
    version = ".".join(map(str, sys.version_info[:3]))
    out.write(f"# Object policy of the {tier} tier: generated by scripts/gen-object-policy.py\n")
    out.write(f"# from Python {version} and the tier's runtime. Do not edit; regenerate (see the script).\n")
    out.write("# path<TAB>ok | module<TAB>NAME | deny<TAB>SEED (denylist.toml or generator.toml)\n")
    for line in missing:
        out.write(f"# not importable here: {line}\n")
    if tier == "heavy":
        out.write("# Heavy tier: `ok` lines are left out; a path the table does not list is judged by\n")
        out.write("# the attribute rules.\n")
    for path in sorted(entries):
        verdict, detail = entries[path]
        if tier == "heavy" and verdict == "ok" and not path.endswith(".*"):
            continue
        out.write(f"{path}\t{verdict}\t{detail}\n" if detail else f"{path}\t{verdict}\n")
    return out.getvalue()


def write_or_check(path, text, check, summary):
    """Writes `text` to `path`, or with `check` fails when the file on disk differs."""
    if check:
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current != text:
            import difflib
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), path, "regenerated", lineterm="", n=0
            )
            shown = list(diff)
            print("\n".join(shown[:80]), file=sys.stderr)
            print(f"{path} is out of date ({len(shown)} diff lines): regenerate it", file=sys.stderr)
            return False
        print(f"{path}: up to date ({summary})")
        return True
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{path}: {summary}")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tier", choices=["lightweight", "heavy"])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk")
    parser.add_argument("--out", help="folder to write into (default roles/policy/objects)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    # Importing some libraries prints; keep the table clean.
    real_stdout, sys.stdout = sys.stdout, io.StringIO()
    try:
        entries, missing, _ = generate(args.tier)
        signatures = io_signatures(entries) if args.tier == "heavy" else None
    finally:
        sys.stdout = real_stdout
    folder = args.out or os.path.join(POLICY, "objects")
    counts = {}
    for verdict, _ in entries.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    ok = write_or_check(
        os.path.join(folder, f"{args.tier}.tsv"),
        render(args.tier, entries, missing),
        args.check,
        f"{len(entries)} objects {counts}; not importable: {missing}",
    )
    if signatures is not None:
        ok = write_or_check(
            os.path.join(folder, "io-signatures.tsv"),
            render_signatures(signatures),
            args.check,
            f"{len(signatures)} data I/O functions and methods",
        ) and ok
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
