# what: double fork with setsid and ignored signals so grandchildren outlive the execution (one detached from the pipes)
# expect: ok|error
import os, signal, time

def linger(detach):
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGPIPE):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except OSError:  # refused by the lightweight sandbox's seccomp filter: block them
            signal.pthread_sigmask(signal.SIG_BLOCK, {sig})
    out = 1  # the attached grandchild would print the marker into the execution's output
    if detach:  # drop the output pipes so nothing waits for their end
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
    time.sleep(30)
    try:
        with open("/work/../escaped_marker", "w") as f:
            f.write("grandchild outlived the execution\n")
    except OSError:
        pass
    os.write(out, b"ESCAPED grandchild outlived the execution\n")
    os._exit(0)

for detach in (False, True):
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            linger(detach)
        os._exit(0)
    os.waitpid(first, 0)
print("parent returns while two grandchildren sleep", flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
