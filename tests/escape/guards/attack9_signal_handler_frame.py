# held: 2
# Layer 2 probe (seventh review): a signal handler is called with the interrupted frame and
# no audit event; walking f_back from it reached the zygote's run_code frame and globals
# (CONFIG, guards, the real builtins) and, from inside the audit hook, its re-entrancy set,
# which switched the hook off. The lightweight sandbox may not install a signal handler
# (seccomp: rt_sigaction only reads one), whichever module sets it.
real_import = [
    c.cell_contents for c in __import__.__closure__
    if type(c.cell_contents).__name__ == "builtin_function_or_method"
    and c.cell_contents.__name__ == "__import__"
][0]
sys = real_import("sys")
got = []


def handler(signum, frame):
    got.append(frame)


for name in ("signal", "_signal"):
    module = sys.modules.get(name) or real_import(name)
    try:
        module.signal(module.SIGUSR1, handler)
        module.raise_signal(module.SIGUSR1)
        frame = got[-1] if got else None
        while frame is not None and "CONFIG" not in frame.f_globals:
            frame = frame.f_back
        print("ESCAPED a handler was installed through", name, "zygote frame:", frame is not None)
    except OSError as err:
        print("HELD", name, err)
