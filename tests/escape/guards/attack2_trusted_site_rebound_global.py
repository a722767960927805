# held: 4
# Layer 2 probe: trust is per (code object, instruction), but the callable at a trusted call site is looked up at run time in the trusted module's globals, which user code can rebind (typing.sys, collections._sys, enum.sys, collections.eval): a C-only chain put there runs at the trusted instruction and calls the real sys._getframe / exec itself, keeping the frame or running any text.
import collections
import enum
import functools
import typing

real_sys = typing.sys
real_getframe = real_sys._getframe
real_exec = real_sys.modules["builtins"].exec


class Namespace:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


def capture(fn):
    """A C-only callable (any one extra argument ignored) that calls fn() and keeps what it returns."""
    store = []
    return store, functools.partial(next, map(store.append, iter(fn, object())))


def report(label, frames):
    frame = frames[0] if frames else None
    if type(frame).__name__ != "frame":
        print("HELD", label)
        return
    found = []
    try:
        while frame is not None and not found:
            found = sorted(k for k in ("CONFIG", "run_code", "TRUSTED", "STDERR") if k in frame.f_globals)
            frame = frame.f_back
    except BaseException as err:
        found = [type(err).__name__]
    print("ESCAPED", label, "-> frame", frames[0], "zygote globals", found)


def attempt(label, module, name, replacement, trigger, frames):
    """Rebinds module.name, calls trigger(), restores it, reports what the chain caught."""
    missing = object()
    saved = module.__dict__.get(name, missing)
    try:
        module.__dict__[name] = replacement
        try:
            trigger()
        except BaseException:
            pass
    except BaseException:
        pass
    finally:
        if saved is missing:
            module.__dict__.pop(name, None)
        else:
            module.__dict__[name] = saved
    if frames is not None:
        report(label, frames)


# 1. typing._caller: `sys._getframe(depth + 1)`, with typing's `sys` rebound.
frames, grab = capture(functools.partial(real_getframe, 0))
attempt("typing._caller via typing.sys", typing, "sys", Namespace(_getframe=grab),
        lambda: typing.TypeVar("T"), frames)

# 2. namedtuple: `_sys._getframe(1)`, with collections' `_sys` rebound.
frames, grab = capture(functools.partial(real_getframe, 0))
attempt("namedtuple via collections._sys", collections, "_sys",
        Namespace(_getframe=grab, intern=real_sys.intern),
        lambda: collections.namedtuple("X", "a b"), frames)

# 3. enum's functional API: `sys._getframe(2)`, with enum's `sys` rebound.
frames, grab = capture(functools.partial(real_getframe, 0))
attempt("enum._create_ via enum.sys", enum, "sys", Namespace(_getframe=grab),
        lambda: enum.Enum("Color", "RED GREEN"), frames)

# 4. namedtuple's `eval(code, namespace)` call site, with a module global `eval` shadowing
# the builtin: print(..., file=W) calls W.write, a C chain that runs the real exec on our text.
ran = []
runs, run = capture(functools.partial(real_exec, "ran.append('text compiled and run')", {"ran": ran}))
attempt("namedtuple eval site via collections.eval", collections, "eval",
        functools.partial(print, file=Namespace(write=run, flush=run)),
        lambda: collections.namedtuple("Y", "a b"), None)
print(f"ESCAPED namedtuple eval site via collections.eval: {ran[0]}" if ran else "HELD namedtuple eval site: nothing ran")
