# what: signalling the parent, PID 1, every process (-1) and the process group
# expect: ok|error|killed
import ctypes, os, signal

def say(*a):
    print(*a, flush=True)

me, parent = os.getpid(), os.getppid()
say("pid", me, "ppid", parent, "pgid", os.getpgid(0), "sid", os.getsid(0))
attempts = []
if parent > 0:  # ppid 0 means the parent lives outside our pid namespace; kill(0) would be our own group
    attempts += [(parent, signal.SIGSTOP), (parent, signal.SIGCONT), (parent, signal.SIGKILL)]
attempts += [(1, signal.SIGTERM), (1, signal.SIGKILL), (-1, signal.SIGKILL)]
for target, sig in attempts:
    try:
        os.kill(target, sig)
        say("note sent", sig.name, "to", target)
    except OSError as err:
        say("blocked", sig.name, "to", target, err.strerror)

# Signal every pid we can reach by number, in case -1 is filtered but single pids are not.
reached = []
for pid in range(2, 4096):
    if pid == me:
        continue
    try:
        os.kill(pid, signal.SIGKILL)
        reached.append(pid)
    except OSError:
        pass
say("note SIGKILL delivered by number to", len(reached), "pids", reached[:10])

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for name, args in [("tgkill 1", (234, 1, 1, 9)), ("rt_sigqueueinfo 1", (129, 1, 9, 0))]:
    ret = libc.syscall(*(ctypes.c_long(a) for a in args))
    say("note" if ret == 0 else "blocked", name, ret, os.strerror(ctypes.get_errno()) if ret else "")
say("blocked survived")

# Last: our own process group (may legitimately kill this probe).
for call in (lambda: os.killpg(0, signal.SIGKILL), lambda: os.kill(0, signal.SIGKILL)):
    try:
        call()
    except OSError as err:
        say("blocked killpg", err.strerror)
say("blocked survived the process group kill")
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
