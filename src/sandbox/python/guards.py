# Layer 2, the Python guards: a builtins mapping with an import allowlist and checked
# reflection, and a PEP 578 audit hook. They live in the attacker's interpreter, so they are
# precision tools and defence in depth; the promise rests on the OS layer (`lockdown.py`).
# `heavy` selects the heavy tier's policy (the job runner): libraries may import, read files
# and build code objects; processes, signals and sockets stay refused.
#
# What user code cannot do to them (docs/sandbox.md, "Layer 2"):
# - reach zygote state through them: the wrappers in the builtins mapping are compiled in a
#   globals dict of their own that holds nothing, so `getattr.__globals__` is empty; user code
#   runs in a fresh `__main__` module (the zygote's module is not `sys.modules["__main__"]`);
# - change or switch off the audit hook: its policy is captured when it is installed (frozen
#   sets and tuples in its closure, no module globals read at event time, no off switch), and
#   errors are formatted with the hook active;
# - borrow the trust given to the standard library: an event the lightweight policy refuses is
#   allowed only when the Python frame that raised it runs one of a few code objects, named
#   below by identity (not by file or name, which user code could imitate). Those functions
#   build code from validated identifiers (namedtuple, dataclass), read the caller's module
#   name (typing, enum) or read a traceback for the error report; none of them returns a frame,
#   a code object or a globals dict to its caller, and code they build runs as ordinary
#   untrusted frames.
import sys

BLOCKED_BUILTINS = frozenset({
    "open", "eval", "exec", "compile", "input", "breakpoint", "help", "exit", "quit", "globals",
    "locals", "vars", "memoryview", "copyright", "credits", "license", "__loader__", "__spec__",
})
DENIED_EVENTS = (
    "os.", "subprocess.", "socket.", "ctypes.", "shutil.", "pty.", "sys._getframe", "sys._current_frames",
    "sys.setprofile", "sys.settrace", "sys.addaudithook", "object.__getattr__",
    "object.__delattr__", "code.__new__", "function.__new__", "compile", "exec", "builtins.input",
    "mmap.", "fcntl.", "resource.", "signal.", "syslog.", "glob.", "tempfile.", "urllib.", "http.",
    "ftplib.", "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.", "webbrowser.", "msvcrt.",
    "winreg.", "_posixsubprocess", "cpython.", "marshal.", "pickle.", "shelve.", "sqlite3.", "gc.",
    "setopencode", "sys.monitoring",
)
# Attributes whose assignment replaces what a function runs.
DENIED_SETATTR = frozenset({"__code__"})

# What heavy code may still not do, whatever a library it imports would allow. (Code and
# function objects are made by libraries here, asyncio for one; user code cannot reach their
# constructors: no compile/exec in its builtins, and the validator refuses dunder access.)
HEAVY_DENIED_EVENTS = (
    "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "os.putenv", "os.unsetenv", "socket.", "pty.", "sys.addaudithook",
    # A link would carry an open past the folder check (which does not resolve links).
    "os.symlink", "os.link",
    "sys.settrace", "sys.setprofile", "cpython.run_",
    "webbrowser.", "sys.monitoring",
    # Unpickling a class or function (what a pickle exploit names): the data libraries never
    # unpickle for a job; numpy's allow_pickle and pandas' read_pickle are refused statically.
    "pickle.find_class",
)

# The wrappers user code gets in place of builtins. Compiled in `_sealed()` with a globals dict
# that holds only an empty `__builtins__`: everything they use comes through their closure.
_WRAPPERS = '''
def make_facade(ModuleType, real, names, writable, AttributeError, getattr, setattr, sorted):
    class Facade(ModuleType):
        def __getattr__(self, name):
            if name in names:
                return getattr(real, name)
            raise AttributeError(f"module {real.__name__!r} has no attribute {name!r} in the sandbox")

        def __setattr__(self, name, value):
            if name in writable:
                return setattr(real, name, value)
            raise AttributeError(f"cannot set {name!r} on module {real.__name__!r} in the sandbox")

        def __delattr__(self, name):
            raise AttributeError(f"cannot delete {name!r} from module {real.__name__!r} in the sandbox")

        def __dir__(self):
            return sorted(names)

    return Facade(real.__name__)

def make_import(real_import, allowed, facades, internal, ImportError, type, str):
    # Names exactly of type str: a subclass's __hash__/__eq__/startswith could answer
    # anything (ninth review).
    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0:
            raise ImportError("relative imports are not allowed in the sandbox")
        if type(name) is not str:
            raise ImportError("module names are strings")
        facade = facades.get(name)
        if facade is not None:
            return facade
        if name in internal and not fromlist:
            # The interpreter's own C code imports these through the caller's builtins
            # (datetime.strptime imports _strptime).
            return real_import(name)
        package = name
        while package not in allowed:
            cut = package.rfind(".")
            if cut < 0:
                raise ImportError(f"import of {name!r} is not allowed in the sandbox")
            package = package[:cut]
        for item in fromlist or ():
            if type(item) is not str or (str.startswith(item, "_") and item != "*"):
                raise ImportError(f"importing private name {item!r} is not allowed in the sandbox")
        return real_import(name, globals, locals, fromlist, 0)
    return __import__

def make_user_str(str, BaseException, type):
    def user_str(obj):
        """str(obj), which may run user code: from here, whose globals hold nothing."""
        try:
            text = str(obj)
        except BaseException:
            return "<exception str() failed>"
        return text if type(text) is str else "<exception str() failed>"
    return user_str

def make_brace_format(formatter_parser, str_format, type, str, dict, ValueError):
    def check(template, depth):
        for _literal, field, spec, _conversion in formatter_parser(template):
            if field is None:
                continue
            if "." in field or "[" in field or depth > 1:
                raise ValueError("a {-style logging format may name record fields only (no attributes or indexes) in the sandbox")
            if spec:
                check(spec, depth + 1)

    def _format(self, record):
        """logging.StrFormatStyle._format: str.format with the record's fields, after checking
        that the template names fields only: str.format would walk the attributes and
        indexes a field names (`{msg.__globals__}`), whatever template the program built."""
        fmt = self._fmt
        if type(fmt) is not str:
            raise ValueError("a logging format must be a str")
        check(fmt, 0)
        values = record.__dict__
        defaults = self._defaults
        if defaults:
            values = dict(defaults) | dict(values)
        return str_format(fmt, **values)
    return _format

def make_checked(function, label, AttributeError, type, str):
    # Exactly a str: a subclass's startswith could answer anything (ninth review).
    def checked(obj, name, *rest):
        if type(name) is not str or str.startswith(name, "_"):
            raise AttributeError(f"{label} of private attribute {name!r} is not allowed in the sandbox")
        return function(obj, name, *rest)
    checked.__name__ = label
    checked.__qualname__ = label
    return checked
'''


def permitted(name, allowed):
    """Whether module `name` or a package it is inside is in `allowed`."""
    parts = name.split(".")
    return any(".".join(parts[:i]) in allowed for i in range(1, len(parts) + 1))


def _sealed():
    """The factories of `_WRAPPERS`, compiled in a scope of their own whose globals hold only
    what a class statement needs: nothing made from them reaches anything else."""
    import builtins

    scope = {"__builtins__": {"__build_class__": builtins.__build_class__}, "__name__": "sandbox"}
    exec(compile(_WRAPPERS, "<sandbox guards>", "exec"), scope)
    return scope


def sealed_user_str():
    """A str() for user objects whose frame's globals are the sealed scope's."""
    import builtins

    return _sealed()["make_user_str"](builtins.str, builtins.BaseException, builtins.type)


def seal_logging(logging):
    """Replaces logging's `{`-style formatting with one that refuses attribute and index fields
    (made in the sealed scope: its globals hold nothing). The validator refuses templates it
    cannot see; this holds for any template that reaches logging at run time."""
    import _string
    import builtins

    logging.StrFormatStyle._format = _sealed()["make_brace_format"](
        _string.formatter_parser, builtins.str.format, builtins.type, builtins.str,
        builtins.dict, builtins.ValueError,
    )


# Modules the interpreter's C code imports on behalf of allowed ones, through the builtins of
# the calling code (which are the user's): datetime.strptime and time.strptime import
# _strptime. The zygote imports them before any user code runs.
INTERNAL_IMPORTS = frozenset({"_strptime"})

# Private modules (a leading underscore: C accelerators and internals) the standard library
# imports lazily, inside functions, after the modules user code may import are loaded. Any other
# private module not loaded when the hook is installed is refused: the runtime holds CPython's
# test modules (_testcapi runs code in a sub-interpreter that has no audit hook), and a private
# name is no reason to trust a module. Found by scripts/gen-object-policy.py's walk and a scan of
# the allowed modules' sources; the benign corpus runs with exactly this list.
LAZY_INTERNALS = frozenset({
    "_strptime",          # datetime.strptime
    "_threading_local",   # threading.local's pure-Python fallback
    "_tokenize",          # tokenize
    "_pydecimal",         # decimal without _decimal
    "_md5", "_sha1", "_sha256", "_sha512", "_sha3", "_blake2",  # hashlib without OpenSSL
})
# Top-level module names the heavy tier's libraries never import and user code must not reach:
# test and sub-interpreter modules (a new interpreter has no audit hook).
HEAVY_DENIED_IMPORTS = ("_test", "_xx", "xx", "_ctypes_test")

# Attributes of a restricted module user code may assign (`sys.stdout = buffer`).
WRITABLE = {"sys": frozenset({"stdout", "stderr"})}


def guarded_builtins(allowed, heavy, restricted=None):
    """The builtins mapping of user code: no way to open files (lightweight), run strings,
    read the interpreter's state or import outside `allowed`. Modules in `restricted`
    (name -> attributes) are imported as a module holding only those attributes."""
    import builtins
    import types

    sealed = _sealed()
    make_import, make_checked, make_facade = (
        sealed["make_import"], sealed["make_checked"], sealed["make_facade"]
    )
    facades = {}
    for name, names in (restricted or {}).items():
        real = builtins.__import__(name)
        facades[name] = make_facade(
            types.ModuleType, real, frozenset(names), WRITABLE.get(name, frozenset()),
            AttributeError, getattr, setattr, sorted,
        )
    blocked = BLOCKED_BUILTINS - {"open"} if heavy else BLOCKED_BUILTINS
    safe = {k: v for k, v in builtins.__dict__.items() if k not in blocked}
    for name in INTERNAL_IMPORTS:
        builtins.__import__(name)
    safe["__import__"] = make_import(
        builtins.__import__, frozenset(allowed), facades, INTERNAL_IMPORTS, ImportError,
        type, str,
    )
    for name in ("getattr", "setattr", "delattr", "hasattr"):
        safe[name] = make_checked(getattr(builtins, name), name, AttributeError, type, str)
    return safe


def _call_sites(code, names):
    """Offsets in `code` of the calls to a function loaded under one of `names` (`eval`,
    `_getframe`): the PRECALL and CALL instructions (3.11 reports either as the frame's
    `f_lasti` while the call runs)."""
    import dis

    sites, pending = set(), False
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_ATTR", "LOAD_METHOD", "LOAD_NAME") and ins.argval in names:
            pending = True
        elif pending and ins.opname == "PRECALL":
            sites.add(ins.offset)
        elif pending and ins.opname == "CALL":
            sites.add(ins.offset)
            pending = False
    return frozenset(sites)


def _attribute_reads(code, names):
    """Offsets in `code` of the reads of attributes named in `names`."""
    import dis

    return frozenset(
        ins.offset for ins in dis.get_instructions(code)
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and ins.argval in names
    )


def _module_codes(module):
    """Code objects of the functions a module defines (its callers of a trusted helper)."""
    import types

    codes = set()
    for value in vars(module).values():
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            codes.add(value.__code__)
    return codes


_ABSENT = object()


def _pins(code, namespace):
    """Every name `code` may look up, as it is now: in its module's globals (or absent from
    them), in the builtins, and one level into the modules those globals hold (`_sys.intern`,
    `os.path`). A trusted instruction is trusted only while all of these are unchanged: a
    module global rebound to a C callable (`collections._sys`, `typing.sys`) would otherwise
    run with the trusted frame on top, or feed text into the code it compiles."""
    import builtins
    import types

    B = builtins.__dict__
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= set(const.co_names)
    pins = []
    for name in sorted(names):
        value = namespace.get(name, _ABSENT)
        pins.append((namespace, name, value))
        if name in B:
            pins.append((B, name, B[name]))
        if isinstance(value, types.ModuleType):
            inner = value.__dict__
            for attr in sorted(names):
                pins.append((inner, attr, inner.get(attr, _ABSENT)))
    return tuple(pins)


def trusted_codes(runner):
    """Where an event the lightweight policy refuses may come from: event -> list of
    (code object, instruction offsets, required callers or None, pins, check or None).

    Code is compared by identity, and the frame must be *at one of the listed instructions*:
    a C callable that trusted code calls elsewhere (str() of a user object, say) runs with the
    trusted frame on top but at another instruction, and borrows nothing. Every name the code
    looks up must still be what it was at start-up (`_pins`). `check(frame)` is a last test
    on the trusted frame, built here with everything it uses in its closure. `runner` is the
    zygote's function that execs the user's code, once."""
    import collections
    import dataclasses
    import enum
    import inspect
    import keyword
    import linecache  # noqa: F401  (warm for exception_report)
    import typing

    namedtuple = collections.namedtuple.__code__
    # typing.ForwardRef compiles a string annotation (`Optional["Node"]`) to keep it; it is
    # evaluated only by get_type_hints, through eval, which stays refused. Compiling runs
    # nothing.
    forward_ref = typing.ForwardRef.__init__.__code__
    create_fn = dataclasses._create_fn.__code__
    caller = typing._caller.__code__
    enum_create = enum.EnumType.__dict__["_create_"].__code__
    signature = inspect._signature_from_function.__code__
    walker = _traceback_entries.__code__
    run = runner.__code__
    # dataclass's helper compiles whatever text it is given: only its own module may call it,
    # and only while processing a class whose fields all have identifier names.
    dataclass_callers = frozenset(_module_codes(dataclasses))
    process_class = dataclasses._process_class.__code__
    field_type = dataclasses.Field
    field_name = dataclasses.Field.__dict__["name"].__get__
    frame_type = type(sys._getframe())
    f_back = frame_type.__dict__["f_back"].__get__
    f_code = frame_type.__dict__["f_code"].__get__
    f_locals = frame_type.__dict__["f_locals"].__get__
    iskeyword = keyword.iskeyword
    type_, str_, dict_ = type, str, dict

    def fields_ok(frame):
        """The fields of the class dataclass is processing (its own and inherited, as
        `_process_class` collected them) all have identifier names: _create_fn builds source
        text from them."""
        while frame is not None:
            if f_code(frame) is process_class:
                fields = f_locals(frame).get("fields")
                if type_(fields) is not dict_:
                    return False
                for key, field in fields.items():
                    if type_(key) is not str_ or type_(field) is not field_type:
                        return False
                    name = field_name(field)
                    if type_(name) is not str_ or name != key:
                        return False
                    if not key.isidentifier() or iskeyword(key):
                        return False
                return True
            frame = f_back(frame)
        return False

    namedtuple_pins = _pins(namedtuple, collections.__dict__)
    create_fn_pins = _pins(create_fn, dataclasses.__dict__)
    # namedtuple: `__new__` from field names it checked are identifiers and not keywords.
    # dataclass: __init__/__repr__/__eq__... from field names; the code runs in the class's
    # module namespace, as untrusted frames. Both compile, then run, at one call site.
    code_generation = [
        (namedtuple, _call_sites(namedtuple, {"eval"}), None, namedtuple_pins, None),
        (create_fn, _call_sites(create_fn, {"exec"}), dataclass_callers, create_fn_pins, fields_ok),
    ]
    return {
        "compile": code_generation + [
            (forward_ref, _call_sites(forward_ref, {"compile"}), None,
             _pins(forward_ref, typing.__dict__), None),
        ],
        "exec": code_generation + [(run, _call_sites(run, {"exec"}), None, (), None)],
        # The caller's module name for __module__ (no frame is returned).
        "sys._getframe": [
            (namedtuple, _call_sites(namedtuple, {"_getframe"}), None, namedtuple_pins, None),
            (caller, _call_sites(caller, {"_getframe"}), None,
             _pins(caller, typing.__dict__), None),
            (enum_create, _call_sites(enum_create, {"_getframe"}), None,
             _pins(enum_create, enum.__dict__), None),
        ],
        # dataclass's __doc__ comes from inspect.signature, which reads a function's
        # __code__/__defaults__; the error report reads tb_frame and f_code.
        "object.__getattr__": [
            (signature, _attribute_reads(signature, {"__code__", "__defaults__", "__kwdefaults__"}),
             None, _pins(signature, inspect.__dict__), None),
            (walker, _attribute_reads(walker, {"tb_frame", "f_code"}), None, (), None),
        ],
    }


def install_audit_hook(allowed, heavy, trusted, open_read=(), open_write=()):
    """PEP 578 hook for the rest of the process's life. `trusted`: see `trusted_codes`.
    Everything it decides with is captured here, and it calls no method of an event's
    arguments unless the argument is exactly a `str` (a subclass could run code inside it).
    `open_read`/`open_write`: the folders the heavy tier's Python code may open files in."""
    import _thread

    import os

    # Heavy tier: files are opened in these folders only (absolute, normalised here, without
    # resolving links: the hook cannot follow them, and os.symlink/os.link are refused).
    # The working directory is the work folder (OUTPUT_DIR), the first writable folder.
    cwd = str(open_write[0]).rstrip("/") if open_write else "/"
    read_folders = tuple(str(p).rstrip("/") for p in open_read) + tuple(str(p).rstrip("/") for p in open_write)
    write_folders = tuple(str(p).rstrip("/") for p in open_write)
    fsdecode = os.fsdecode
    bytes_ = bytes

    allowed = frozenset(allowed)
    # Private modules already loaded (by the modules user code may import, and the zygote) and
    # those the standard library loads lazily; every other one is refused.
    private_modules = frozenset(n for n in sys.modules if n.startswith("_")) | LAZY_INTERNALS
    heavy_denied_imports = HEAVY_DENIED_IMPORTS
    # os.open reports its mode as None: its flags decide. Read only, nothing created or cut.
    write_flags = os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_EXCL
    access_mode, read_only = os.O_ACCMODE, os.O_RDONLY
    int_ = int
    denied = HEAVY_DENIED_EVENTS if heavy else DENIED_EVENTS
    denied_setattr = DENIED_SETATTR
    # Identities, held by the tuple so that an id is never reused while the hook lives.
    keep = tuple(entry for entries in trusted.values() for entry in entries)
    # Read-only views: a frame that reaches this function's locals cannot add a rule.
    from types import MappingProxyType
    rules = MappingProxyType({
        event: MappingProxyType({
            id(code): (offsets, None if callers is None else frozenset(map(id, callers)),
                       bindings, check)
            for code, offsets, callers, bindings, check in entries
        })
        for event, entries in trusted.items()
    })
    import gc
    gc_isenabled, gc_disable, gc_enable = gc.isenabled, gc.disable, gc.enable
    absent = _ABSENT
    getframe = sys._getframe
    get_ident = _thread.get_ident
    # Builtins too: the real builtins module is not user code's, but nothing here should
    # depend on it staying unchanged.
    type_, id_, str_ = type, id, str
    ImportError_, PermissionError_, ValueError_ = ImportError, PermissionError, ValueError

    def is_permitted(name):
        while name not in allowed:
            cut = name.rfind(".")
            if cut < 0:
                return False
            name = name[:cut]
        return True

    # Threads inside the hook: reading a frame raises events of its own. No user code runs
    # while a thread is in here, so nothing can reach this set.
    inside = set()

    def raised_by(event):
        entries = rules.get(event)
        if not entries:
            return False
        me = get_ident()
        # Exempt from the hook only while it reads frames (which raise events of their own)
        # and runs `check`, none of which calls code of the program's. The pins are compared
        # outside: a module dict may hold a key of the program's whose __eq__ runs during the
        # lookup, and it must run under the hook like any other code (eighth review).
        # No garbage collection while exempt: a collection, started by any allocation here
        # (the frame object getframe makes), runs the program's finalizers, which would run
        # with the hook off (tenth review).
        collecting = gc_isenabled()
        gc_disable()
        inside.add(me)
        try:
            # 0: this function, 1: the hook, 2: the frame whose operation raised the event.
            frame = getframe(2)
            rule = entries.get(id_(frame.f_code))
            if rule is None or frame.f_lasti not in rule[0]:
                return False
            offsets, callers, bindings, check = rule
            if callers is not None and (frame.f_back is None or id_(frame.f_back.f_code) not in callers):
                return False
            if check is not None and not check(frame):
                return False
        except ValueError_:  # raised from C with no Python frame of the program's
            return False
        finally:
            inside.discard(me)
            if collecting:
                gc_enable()
        return pins_hold(bindings)

    def pins_hold(bindings):
        # A frame of its own, holding nothing of the hook's: a program's key in a module dict
        # may run a C callable here (`partial(next, map(store.append, iter(locals, 1)))`),
        # and `locals()` then hands out this frame's names (ninth review).
        for namespace, name, expected in bindings:
            if namespace.get(name, absent) is not expected:
                return False
        return True

    def hook(event, args):
        if get_ident() in inside:
            return
        if event == "import":
            name = args[0]
            # The file loaded, judged by its own module name: `_imp.create_dynamic` takes a
            # spec of any name (`json._testcapi`) for `_testcapi`'s file.
            filename = args[1] if len(args) > 1 else None
            if filename is not None:
                base = filename.rpartition("/")[2].partition(".")[0] if type_(filename) is str_ else ""
                if not base or (base.startswith("_") and base != "__init__"
                                and base not in private_modules and not is_permitted(base)) \
                        or base.startswith(heavy_denied_imports):
                    raise ImportError_("blocked by the sandbox: loading that file as a module")
            if type_(name) is str_ and (
                is_permitted(name) or name in private_modules or name.startswith("encodings.")
                or name == "encodings"
            ):
                return
            shown = repr(name) if type_(name) is str_ else "a module"
            raise ImportError_(f"blocked by the sandbox: import of {shown} outside the allowlist")
        if event == "open":
            path, mode, flags = args[0], args[1], args[2]
            if mode is None:
                reading = (type_(flags) is int_ and flags & access_mode == read_only
                           and not flags & write_flags)
            else:
                reading = type_(mode) is str_ and mode in ("r", "rb")
            if (type_(path) is str_ and path.startswith(("/usr/lib/python3", "/lib/python3", "/usr/share/zoneinfo/"))
                    and ".." not in path.split("/") and reading):
                return
            raise PermissionError_("blocked by the sandbox: open")
        if event == "object.__setattr__":
            # Class attributes and function metadata may change; what a function runs may not.
            name = args[1]
            if type_(name) is not str_ or name in denied_setattr:
                raise PermissionError_("blocked by the sandbox: setting that attribute")
            return
        if event.startswith(denied) and not raised_by(event):
            raise PermissionError_(f"blocked by the sandbox: {event}")

    def normalized(path):
        # Plain string work on an exact str: no method a program could have replaced.
        if not path.startswith("/"):
            path = cwd + "/" + path
        parts = []
        for part in path.split("/"):
            if part == "" or part == ".":
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return "/" + "/".join(parts)

    def within(path, folders):
        for folder in folders:
            if path == folder or path.startswith(folder + "/"):
                return True
        return False

    def heavy_open(args):
        path, mode, flags = args[0], args[1], args[2]
        if type_(path) is int_:
            return  # a descriptor already open (os.fdopen, open(fd)): nothing new is reached
        if type_(path) is bytes_:
            path = fsdecode(path)
        if type_(path) is not str_ or "\0" in path:
            raise PermissionError_("blocked by the sandbox: open of that path")
        if mode is None:
            writing = not (type_(flags) is int_ and flags & access_mode == read_only
                           and not flags & write_flags)
        else:
            writing = type_(mode) is not str_ or not mode or any(c in mode for c in "wax+")
        full = normalized(path)
        if within(full, write_folders if writing else read_folders):
            return
        raise PermissionError_(
            f"blocked by the sandbox: {'writing' if writing else 'reading'} {full!r}: heavy jobs "
            "read INPUT_DIR and the runtime, and write OUTPUT_DIR"
        )

    def heavy_hook(event, args):
        # "exec" events here are libraries importing their modules lazily; user code cannot
        # call exec() (not in its builtins, and the validator refuses it).
        if event == "import":
            name = args[0]
            filename = args[1] if len(args) > 1 else None
            base = filename.rpartition("/")[2] if type_(filename) is str_ else ""
            if type_(name) is not str_ or name.rpartition(".")[2].startswith(heavy_denied_imports) \
                    or base.startswith(heavy_denied_imports) \
                    or (filename is not None and type_(filename) is not str_):
                shown = repr(name) if type_(name) is str_ else "a module"
                raise ImportError_(f"blocked by the sandbox: import of {shown}")
            return
        if event == "open":
            heavy_open(args)
            return
        if event == "os.putenv" or event == "os.unsetenv":
            # polars keeps its display settings (pl.Config) in POLARS_* variables; no process
            # is started here, so they reach polars only.
            key = args[0] if args else None
            if (type_(key) is bytes_ and key.startswith(b"POLARS_")) \
                    or (type_(key) is str_ and key.startswith("POLARS_")):
                return
        if event.startswith(denied):
            raise PermissionError_(f"blocked by the sandbox: {event}")

    hook.keep = keep
    sys.addaudithook(heavy_hook if heavy else hook)


def _traceback_entries(tb, get_tb_next, get_lineno, limit):
    """(filename, line number, function name) of each frame of traceback `tb`, from the
    user's first `<snippet>` frame on. Trusted to read tb_frame and f_code; it touches only
    traceback, frame and code objects, which no user code can stand in for."""
    entries = []
    started = False
    while tb is not None and len(entries) < limit:
        code = tb.tb_frame.f_code
        filename = code.co_filename
        started = started or filename == "<snippet>"
        # The sandbox's own frames (the audit hook refusing an event) are not the user's.
        if started and not filename.startswith(("/sandbox/", "<sandbox")):
            entries.append((filename, get_lineno(tb), code.co_name))
        tb = get_tb_next(tb)
    return entries


def exception_report(exc, snippet_lines, user_str, limit=200):
    """The traceback CPython would print for `exc`, from the user's first frame on. Runs with
    the audit hook active. Exceptions are read only through the interpreter's own descriptors
    (no lookup user code can override); their messages come from `user_str`, compiled in the
    sealed scope, so that user code it runs (an exception's __str__) finds no zygote state
    in the frames around it; frames are read by `_traceback_entries`, which calls no user
    code."""
    import linecache
    import types

    base = BaseException.__dict__
    get_cause = base["__cause__"].__get__
    get_context = base["__context__"].__get__
    get_suppress = base["__suppress_context__"].__get__
    get_tb = base["__traceback__"].__get__
    type_name = type.__dict__["__qualname__"].__get__
    type_module = type.__dict__["__module__"].__get__
    tb_next = types.TracebackType.__dict__["tb_next"].__get__
    tb_lineno = types.TracebackType.__dict__["tb_lineno"].__get__

    chain = []
    seen = set()
    current = exc
    while issubclass(type(current), BaseException) and id(current) not in seen and len(chain) < 20:
        seen.add(id(current))
        chain.append(current)
        cause = get_cause(current)
        if cause is not None:
            chain.append("The above exception was the direct cause of the following exception:")
            current = cause
        elif not get_suppress(current) and get_context(current) is not None:
            chain.append("During handling of the above exception, another exception occurred:")
            current = get_context(current)
        else:
            current = None
    if chain and type(chain[-1]) is str:
        chain.pop()
    out = []
    for item in reversed(chain):
        if type(item) is str:
            out.append(f"\n{item}\n\n")
            continue
        entries = _traceback_entries(get_tb(item), tb_next, tb_lineno, 10_000)
        if entries:
            out.append("Traceback (most recent call last):\n")
            previous, repeats = None, 0
            for filename, lineno, name in entries:
                if (filename, lineno, name) == previous:
                    repeats += 1
                    if repeats >= 3:
                        continue
                else:
                    if repeats >= 3:
                        out.append(f"  [Previous line repeated {repeats - 2} more times]\n")
                    previous, repeats = (filename, lineno, name), 0
                out.append(f'  File "{filename}", line {lineno}, in {name}\n')
                if filename == "<snippet>":
                    line = snippet_lines[lineno - 1] if 0 < lineno <= len(snippet_lines) else ""
                else:
                    line = linecache.getline(filename, lineno)
                if line.strip():
                    out.append(f"    {line.strip()}\n")
            if repeats >= 3:
                out.append(f"  [Previous line repeated {repeats - 2} more times]\n")
        cls = type(item)
        module = type_module(cls)
        name = type_name(cls)
        if type(module) is not str or type(name) is not str:
            module, name = "builtins", "Exception"
        if module not in ("builtins", "__main__"):
            name = f"{module}.{name}"
        message = user_str(item)
        out.append(f"{name}: {message}\n" if message else f"{name}\n")
        if len(out) > limit * 4:
            break
    return "".join(out)
