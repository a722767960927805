# held: 10
# Layer 2 probe: the validator's bypasses reach the real builtins by attribute walks the audit
# hook cannot see (here, as the simplest such walk, through a wrapper's closure). What they
# then *do* is what the guards refuse: every dangerous action below is an audited event.
real_import = [c.cell_contents for c in __import__.__closure__ if type(c.cell_contents).__name__ == "builtin_function_or_method" and c.cell_contents.__name__ == "__import__"][0]
B = real_import("builtins")
os = real_import("os")

def attempt(label, action):
    try:
        result = action()
        print("ESCAPED", label, repr(result)[:60])
    except BaseException as err:
        print("HELD", label, type(err).__name__)

attempt("open", lambda: B.open("/etc/hostname").read())
attempt("eval", lambda: B.eval("6 * 7"))
attempt("exec", lambda: B.exec("x = 1", {}))
attempt("compile", lambda: B.compile("1", "<x>", "eval"))
attempt("os.system", lambda: os.system("true"))
attempt("os.listdir", lambda: os.listdir("/"))
attempt("os.open", lambda: os.open("/etc/hostname", os.O_RDONLY))
attempt("import socket", lambda: real_import("socket").socket())
attempt("import ctypes", lambda: real_import("ctypes").CDLL(None))
attempt("os.fork", lambda: os.fork())
