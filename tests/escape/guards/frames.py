# held: 6
# Layer 2 probe: no frame object reaches user code, by any route the audit hook sees:
# tracebacks, generators, coroutines, sys._getframe through the real import, and code that
# runs while the error report is formatted (an exception's __str__).
def attempt(label, get):
    try:
        frame = get()
        print("ESCAPED", label, sorted(frame.f_globals)[:5])
    except BaseException as err:
        print("HELD", label, type(err).__name__)

try:
    1 / 0
except ZeroDivisionError as err:
    caught = err
attempt("tb_frame", lambda: caught.__traceback__.tb_frame)

def gen():
    yield 1
attempt("gi_frame", lambda: gen().gi_frame)

async def coro():
    return 1
c = coro()
attempt("cr_frame", lambda: c.cr_frame)
c.close()

real_import = [x.cell_contents for x in __import__.__closure__ if type(x.cell_contents).__name__ == "builtin_function_or_method" and x.cell_contents.__name__ == "__import__"][0]
sys = real_import("sys")
attempt("sys._getframe", lambda: sys._getframe(0))
attempt("sys._current_frames", lambda: list(sys._current_frames().values())[0])

class Sneaky(Exception):
    def __str__(self):
        try:
            frame = self.__traceback__.tb_frame
            return "ESCAPED in __str__ " + repr(sorted(frame.f_back.f_globals)[:5])
        except BaseException as err:
            return "HELD in __str__ " + type(err).__name__

raise Sneaky()
