# what: looking at other processes: /proc listing and cmdlines, mountinfo, kallsyms, cgroup files, a kill(pid, 0) scan
# expect: ok|error
import os, signal

def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)

me = os.getpid()
say("pid", me, "ppid", os.getppid())
try:
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    say("note /proc is mounted and lists", len(pids), "pids")
    if len(pids) > 10:
        print("ESCAPED /proc lists", len(pids), "processes", pids[:10], flush=True)
    for pid in pids:
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")
        except OSError:
            continue
        say("note cmdline", pid, cmd[:80])
        if any(w in cmd.lower() for w in (b"pyexec", b"postgres", b"rabbitmq", b"cargo", b"sshd", b"systemd")):
            print("ESCAPED host process visible", pid, cmd[:80], flush=True)
except OSError as err:
    say("blocked /proc listing", err.strerror)

for path in ["/proc/self/mountinfo", "/proc/self/status", "/proc/kallsyms", "/proc/version", "/proc/sys/kernel/hostname",
             "/proc/self/cgroup", "/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/memory.max", "/sys/kernel/debug"]:
    try:
        data = os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(200)
        if data:
            print("ESCAPED read", path, data[:5] if isinstance(data, list) else data[:60], flush=True)
    except OSError as err:
        say("blocked", path, err.strerror)
for path, value in [("/sys/fs/cgroup/memory.max", "max"), ("/sys/fs/cgroup/pids.max", "max"), ("/sys/fs/cgroup/cgroup.procs", str(me))]:
    try:
        with open(path, "w") as f:
            f.write(value)
        print("ESCAPED wrote cgroup file", path, flush=True)
    except OSError as err:
        say("blocked write", path, err.strerror)

# Without /proc, probe pid existence with signal 0 (EPERM also means "exists").
try:
    os.kill(4194303, 0)
    usable = False
except ProcessLookupError:
    usable = True
except OSError as err:
    usable = False
    say("blocked kill(pid, 0) scan:", err.strerror)
if usable:
    seen = []
    for pid in range(1, 32768):
        try:
            os.kill(pid, 0)
            seen.append(pid)
        except PermissionError:
            seen.append(pid)
        except OSError:
            pass
    say("note pids that exist from here:", len(seen), seen[:12])
    if len(seen) > 10:
        print("ESCAPED kill(pid, 0) sees", len(seen), "processes, more than the sandbox holds", flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
