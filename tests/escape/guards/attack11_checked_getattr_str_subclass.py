# held: 1
# Ninth review: a str subclass answered startswith for the checked getattr wrapper.
# Layer 2 probe: the checked getattr/setattr wrappers test `name.startswith("_")` by calling a
# method of the argument; a str subclass answers False and the real getattr takes it as a name.
class Name(str):
    def startswith(self, *args):
        return False
def f():
    pass
try:
    g = getattr(f, Name("__globals__"))
    print("ESCAPED checked getattr of a dunder:", sorted(g)[:6])
    b = getattr(f, Name("__builtins__"))
    print("ESCAPED user's builtins mapping (guarded):", type(b).__name__, len(b))
except BaseException as e:
    print("HELD", type(e).__name__, e)
