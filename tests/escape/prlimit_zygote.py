# what: lowering the resource limits of PID 1 and of the parent (the slot's zygote today) with resource.prlimit and raw prlimit64 (syscall 302), then lowering its own limits (allowed)
# expect: ok|error
# A limit lowered on a process that outlives this execution is a channel into later requests
# (RLIMIT_DATA or RLIMIT_NOFILE of the zygote breaks every later fork). Reading another process's
# limits is reported as a note; any successful change of another process's limit is an escape.
import ctypes, os, resource

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
INF = resource.RLIM_INFINITY
me = os.getpid()
targets = [p for p in dict.fromkeys((1, os.getppid())) if p > 0 and p != me]


def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)


class Rlimit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_uint64), ("max", ctypes.c_uint64)]


# One name per limit (RLIMIT_OFILE is RLIMIT_NOFILE); RLIMIT_CPU last: a CPU limit the target
# has already used up kills it, which would end the rest of the attempts.
NAMES = sorted({getattr(resource, n): n for n in sorted(dir(resource), reverse=True) if n.startswith("RLIMIT_")}.values(),
               key=lambda n: (n == "RLIMIT_CPU", getattr(resource, n)))
# Values that would break a fork server if they stuck: no descriptors, no memory, no processes.
HOSTILE = {"RLIMIT_NOFILE": 4, "RLIMIT_NPROC": 1, "RLIMIT_AS": 16 << 20, "RLIMIT_DATA": 1 << 20,
           "RLIMIT_STACK": 64 << 10, "RLIMIT_FSIZE": 0, "RLIMIT_CPU": 1, "RLIMIT_RSS": 1 << 20,
           "RLIMIT_MEMLOCK": 0, "RLIMIT_MSGQUEUE": 0, "RLIMIT_NICE": 0, "RLIMIT_RTPRIO": 0,
           "RLIMIT_RTTIME": 1, "RLIMIT_SIGPENDING": 1, "RLIMIT_CORE": 0, "RLIMIT_LOCKS": 0}


def lower(value, target):
    """`target` if that is lower than `value`, else one less than `value` (never below 0)."""
    return target if value == INF or target < value else max(0, value - 1)


def lowered(name, current):
    target = HOSTILE.get(name, 0)
    return lower(current[0], target), lower(current[1], target)


def raw_prlimit(pid, which, new):
    old = Rlimit()
    arg = ctypes.byref(Rlimit(*new)) if new is not None else None
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(302), ctypes.c_long(pid), ctypes.c_long(which), arg, ctypes.byref(old))
    return ret, os.strerror(ctypes.get_errno()), (old.cur, old.max)


for pid in targets:
    for name in NAMES:
        which = getattr(resource, name)
        try:
            current = resource.prlimit(pid, which)
            say("note read", name, "of pid", pid, current)
        except (OSError, ValueError) as err:
            say("blocked read", name, "of pid", pid, err)
            ret, err, old = raw_prlimit(pid, which, None)
            if ret != 0:
                say("blocked raw prlimit64 read", name, "of pid", pid, err)
                current = (INF, INF)
            else:
                current = old
        new = lowered(name, current)
        try:
            resource.prlimit(pid, which, new)
            print("ESCAPED resource.prlimit set", name, "of pid", pid, current, "->", new, flush=True)
        except (OSError, ValueError) as err:
            say("blocked resource.prlimit", name, "of pid", pid, err)
        new = tuple(lower(v, 0) for v in new)  # lower still, or set the same 0 again: a write all the same
        ret, err, old = raw_prlimit(pid, which, new)
        if ret == 0:
            print("ESCAPED raw prlimit64 set", name, "of pid", pid, old, "->", new, flush=True)
        else:
            say("blocked raw prlimit64", name, "of pid", pid, err)

# Its own limits: lowering is allowed and dies with this process.
for name in ("RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_FSIZE"):
    which = getattr(resource, name)
    soft, hard = resource.getrlimit(which)
    new = (max(0, soft - 1) if soft != INF else 1 << 20, hard)
    try:
        resource.setrlimit(which, new)
        say("note lowered own", name, (soft, hard), "->", resource.getrlimit(which))
    except (OSError, ValueError) as err:
        say("note could not lower own", name, err)
ret, err, old = raw_prlimit(0, resource.RLIMIT_NOFILE, None)
say("note raw prlimit64 on itself reads RLIMIT_NOFILE", ret, old)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
