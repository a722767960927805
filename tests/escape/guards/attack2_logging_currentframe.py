# held: 2
# Layer 2 probe: logging.currentframe is `lambda: sys._getframe(1)`; its _getframe call site is trusted (for findCaller), and it *returns* the frame: any caller gets its own frame, and f_back walks to run_code's frame, whose f_globals are the zygote's (CONFIG, run_code, TRUSTED, STDERR...).
import logging

try:
    frame = logging.currentframe()
except BaseException as err:
    frame = None
    print("HELD logging.currentframe", type(err).__name__)
else:
    if type(frame).__name__ != "frame":
        print("HELD logging.currentframe returned", type(frame).__name__)
if type(frame).__name__ != "frame":
    print("HELD zygote globals (no frame to walk)")
else:
    print("ESCAPED logging.currentframe returned", frame)
    found = []
    try:
        walk = frame
        while walk is not None:
            found = sorted(k for k in ("CONFIG", "run_code", "guards", "TRUSTED", "STDERR", "USER_STR") if k in walk.f_globals)
            if found:
                break
            walk = walk.f_back
    except BaseException as err:
        print("HELD walking the frame", type(err).__name__)
    print(f"ESCAPED zygote globals {found}" if found else "HELD zygote globals")
