# Layer 2, the Python guards: restricted builtins, an import hook that enforces the allowlist
# at run time, and a PEP 578 audit hook. They live in the attacker's interpreter, so they are
# precision tools and defence in depth; the promise rests on the OS layer (`lockdown.py`).
# `heavy` selects the heavy tier's policy (the job runner): libraries may import, read files
# and build code objects; processes, signals and sockets stay refused.
import sys

BLOCKED_BUILTINS = {
    "open", "eval", "exec", "compile", "input", "breakpoint", "help", "exit", "quit", "globals",
    "locals", "vars", "memoryview", "copyright", "credits", "license", "__loader__", "__spec__",
}
DENIED_EVENTS = (
    "os.", "subprocess.", "socket.", "ctypes.", "shutil.", "pty.", "sys._getframe", "sys._current_frames",
    "sys.setprofile", "sys.settrace", "sys.addaudithook", "object.__getattr__", "object.__setattr__",
    "object.__delattr__", "code.__new__", "function.__new__", "compile", "builtins.input", "mmap.",
    "fcntl.", "resource.", "signal.", "syslog.", "glob.", "tempfile.", "urllib.", "http.", "ftplib.",
    "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.", "webbrowser.", "msvcrt.", "winreg.",
    "_posixsubprocess", "cpython.", "marshal.", "pickle.", "shelve.", "sqlite3.", "gc.", "setopencode",
    "sys.monitoring",
)


# What heavy code may still not do, whatever a library it imports would allow. (Code and
# function objects are made by libraries here, asyncio for one; user code cannot reach their
# constructors: no compile/exec in its builtins, and the validator refuses dunder access.)
HEAVY_DENIED_EVENTS = (
    "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "os.putenv", "os.unsetenv", "socket.", "pty.", "sys.addaudithook",
    "sys.settrace", "sys.setprofile", "cpython.run_",
    "webbrowser.", "sys.monitoring",
)


def permitted(name, allowed):
    """Whether module `name` or a package it is inside is in `allowed`."""
    parts = name.split(".")
    return any(".".join(parts[:i]) in allowed for i in range(1, len(parts) + 1))


def guarded_namespace(allowed, heavy):
    import builtins

    real_import = builtins.__import__

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0:
            raise ImportError("relative imports are not allowed in the sandbox")
        if not permitted(name, allowed):
            raise ImportError(f"import of {name!r} is not allowed in the sandbox")
        for item in fromlist or ():
            if item.startswith("_"):
                raise ImportError(f"importing private name {item!r} is not allowed in the sandbox")
        return real_import(name, globals, locals, fromlist, level)

    def checked(function):
        def wrapper(obj, name, *rest):
            if not isinstance(name, str) or name.startswith("_"):
                raise AttributeError(f"{function.__name__} of private attribute {name!r} is not allowed in the sandbox")
            return function(obj, name, *rest)
        wrapper.__name__ = function.__name__
        return wrapper

    blocked = BLOCKED_BUILTINS - {"open"} if heavy else BLOCKED_BUILTINS
    safe = {k: v for k, v in builtins.__dict__.items() if k not in blocked}
    safe["__import__"] = guarded_import
    for name in ("getattr", "setattr", "delattr", "hasattr"):
        safe[name] = checked(getattr(builtins, name))
    return safe


def install_audit_hook(allowed, state, heavy):
    """PEP 578 hook: refuses file, process, network and introspection events for the rest of
    the process's life. `state["reporting"]` lets the zygote's own traceback printing walk
    frames after user code has finished."""
    started = []

    def hook(event, args):
        if state.get("reporting"):
            return
        if event == "exec" and not started:
            started.append(True)
            return
        if event == "import":
            name = args[0]
            if isinstance(name, str) and (permitted(name, allowed) or name.startswith(("_", "encodings"))):
                return
            raise ImportError(f"blocked by the sandbox: import {name!r}")
        if event == "open":
            path, mode = args[0], args[1]
            if isinstance(path, str) and path.startswith("/usr/lib/python3") and (mode in (None, "r", "rb")):
                return
            raise PermissionError(f"blocked by the sandbox: open({path!r})")
        if event == "exec" or event.startswith(DENIED_EVENTS):
            raise PermissionError(f"blocked by the sandbox: {event}")

    def heavy_hook(event, args):
        if state.get("reporting"):
            return
        # "exec" events here are libraries importing their modules lazily; user code cannot
        # call exec() (not in its builtins, and the validator refuses it).
        if event.startswith(HEAVY_DENIED_EVENTS):
            raise PermissionError(f"blocked by the sandbox: {event}")

    sys.addaudithook(heavy_hook if heavy else hook)
