# held: 1
# Layer 2 probe (eighth review): the audit hook's trust check compared its pins with
# namespace.get(name) on module dicts while the thread was exempt from the hook; a key
# planted in collections.__dict__ with the hash of "eval" had its __eq__ run there, read the
# hook's frame and exempted another thread for good. The pins are now compared under the hook.
import collections
real_import = [c.cell_contents for c in __import__.__closure__
               if type(c.cell_contents).__name__ == "builtin_function_or_method"
               and c.cell_contents.__name__ == "__import__"][0]
sys = real_import("sys")
_thread = real_import("_thread")
state = {}
go = _thread.allocate_lock(); go.acquire()
finished = _thread.allocate_lock(); finished.acquire()

def worker():
    go.acquire()
    out = []
    try:
        B = sys.modules["builtins"]
        out.append(("eval", B.eval("6*7")))
        out.append(("frame f_globals keys", sorted(sys._getframe(0).f_globals)[:6]))
        os = real_import("os")
        out.append(("os.getcwd", os.getcwd()))
        out.append(("os.listdir('/usr/lib')", os.listdir("/usr/lib")[:5]))
        with B.open("escaped.txt", "w") as fh:
            fh.write("written with the hook off")
        out.append(("open(w)+read", B.open("escaped.txt").read()))
        out.append(("ctypes", real_import("ctypes")))
    except BaseException as e:
        out.append(("worker stopped", f"{type(e).__name__}: {e}"))
    state["out"] = out
    finished.release()

tid = _thread.start_new_thread(worker, ())

class Key:
    def __hash__(self):
        return hash("eval")
    def __eq__(self, other):
        if "done" not in state:
            try:
                f = sys._getframe(1)      # allowed only inside the hook (raised_by)
            except PermissionError:
                return False              # an ordinary global lookup of `eval`
            state["done"] = True
            while f is not None and "inside" not in f.f_locals:
                f = f.f_back
            state["frame"] = repr(f)
            f.f_locals["inside"].add(tid)  # the worker thread: never removed
        return False

k = Key()
collections.__dict__[k] = 1
try:
    collections.namedtuple("P", "a b")
except BaseException as e:
    print("namedtuple:", type(e).__name__, e)
del collections.__dict__[k]
if state.get("frame") is not None:
    print("ESCAPED the hook's frame was reached:", state["frame"])
go.release()
finished.acquire()
done_items = dict(state["out"])
if "worker stopped" in done_items and len(state["out"]) == 1:
    print("HELD the worker's first guarded call was refused:", done_items["worker stopped"])
else:
    for item in state["out"]:
        print("ESCAPED (worker thread, hook off):", *item)
