# The warm fork server of one sandbox slot. Trusted code: it runs inside the slot's user, mount,
# network, IPC and UTS namespaces (set up by `pyexec __sandbox-init`, which execs this file), with
# only the Python runtime visible, read-only. For each request it forks a child that locks itself
# down (PID and mount namespaces of its own, a private tmpfs work folder, its cgroup, rlimits,
# landlock, capabilities dropped, no_new_privs, seccomp, then optionally the Python guards) and
# runs the code. The zygote itself never runs user code, so nothing an execution does survives it.
#
# Protocol on fds 10 (requests) and 11 (replies): 4-byte big-endian length, then UTF-8 JSON.
import ctypes
import json
import os
import resource
import select
import signal
import struct
import sys
import time

REQ_FD, REP_FD = 10, 11
CONFIG = json.load(open("/sandbox/config.json", encoding="utf-8"))
# Heavy tier (the job runner): data libraries on `sys_path`, a shared output folder at /work,
# `open` allowed (the validator checks its paths) and an audit hook that lets libraries
# import and read what they need while still refusing processes, signals and sockets.
HEAVY = CONFIG.get("heavy", False)
sys.path[:0] = CONFIG.get("sys_path", [])
SECCOMP = open("/sandbox/seccomp.bpf", "rb").read()

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_CAPBSET_DROP = 38, 22, 24
PR_SET_SECUREBITS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 28, 47, 4
SECCOMP_MODE_FILTER = 2
SYS_CAPSET, SYS_LL_CREATE, SYS_LL_ADD, SYS_LL_RESTRICT = 126, 444, 445, 446


def check(ret, what):
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


class PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


# Rights that apply to a file rather than a directory: EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE,
# IOCTL_DEV.
FILE_RIGHTS = 1 | 2 | 4 | (1 << 14) | (1 << 15)


def landlock(read_paths, write_paths, dev_paths):
    abi = check(libc.syscall(SYS_LL_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1)), "landlock ABI")
    handled = (1 << 13) - 1  # EXECUTE .. MAKE_SYM (ABI 1)
    if abi >= 2:
        handled |= 1 << 13  # REFER
    if abi >= 3:
        handled |= 1 << 14  # TRUNCATE
    if abi >= 5:
        handled |= 1 << 15  # IOCTL_DEV
    attr = RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        attr.net, size = 0b11, 16  # BIND_TCP | CONNECT_TCP, with no rule: both refused
    if abi >= 6:
        attr.scoped, size = 0b11, 24  # abstract unix sockets and signals stay inside the domain
    ruleset = check(libc.syscall(SYS_LL_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)), "landlock ruleset")
    read = 1 | 4 | 8  # EXECUTE | READ_FILE | READ_DIR
    for paths, access in ((read_paths, read), (write_paths, handled), (dev_paths, 2 | 4 | (1 << 14 if abi >= 3 else 0))):
        for path in paths:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rights = access & handled if os.path.isdir(path) else access & handled & FILE_RIGHTS
                rule = PathBeneath(rights, fd)
                check(libc.syscall(SYS_LL_ADD, ruleset, 1, ctypes.byref(rule), 0), f"landlock rule {path}")
            finally:
                os.close(fd)
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    check(libc.syscall(SYS_LL_RESTRICT, ruleset, 0), "landlock restrict")
    os.close(ruleset)
    return abi


def drop_capabilities():
    # NOROOT | NOROOT_LOCKED | NO_SETUID_FIXUP | NO_SETUID_FIXUP_LOCKED | KEEP_CAPS_LOCKED
    check(libc.prctl(PR_SET_SECUREBITS, 0x2F, 0, 0, 0), "securebits")
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0:
            if ctypes.get_errno() != 22 or cap < 38:  # 37 (CAP_AUDIT_READ) exists since Linux 4.1
                raise OSError(ctypes.get_errno(), f"drop capability {cap}")
            break  # EINVAL: past the kernel's last capability
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    check(libc.syscall(SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def seccomp():
    prog = SockFprog(len(SECCOMP) // 8, SECCOMP)
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "seccomp")


def lock_down(req):
    """Runs in the child, before it is handed any code."""
    if not CONFIG.get("shared_work"):
        check(libc.unshare(CLONE_NEWNS), "unshare mount namespace")
        check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
        opts = f"size={req['disk_mb']}m,nr_inodes=8192,mode=0700".encode()
        check(libc.mount(b"tmpfs", b"/work", b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts), "mount work folder")
    os.chdir("/work")
    for fd in CONFIG["cgroup_fds"]:
        os.write(fd, b"0")
    limits = {
        resource.RLIMIT_NOFILE: CONFIG["max_open_files"],
        resource.RLIMIT_FSIZE: req["disk_mb"] << 20,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: req["max_pids"],
        resource.RLIMIT_CPU: int(req["timeout"]) + 2,
        resource.RLIMIT_AS: req["memory_bytes"] + CONFIG["address_space_headroom"],
        resource.RLIMIT_MEMLOCK: 0,
        resource.RLIMIT_MSGQUEUE: 0,
    }
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))
    landlock(CONFIG["landlock_read"], ["/work"], CONFIG["landlock_dev"])
    drop_capabilities()


BLOCKED_BUILTINS = {
    "open", "eval", "exec", "compile", "input", "breakpoint", "help", "exit", "quit", "globals",
    "locals", "vars", "memoryview", "copyright", "credits", "license", "__loader__", "__spec__",
}
DENIED_EVENTS = (
    "os.", "subprocess.", "socket.", "ctypes.", "shutil.", "pty.", "sys._getframe", "sys._current_frames",
    "sys.setprofile", "sys.settrace", "sys.addaudithook", "object.__getattr__", "object.__setattr__",
    "object.__delattr__", "code.__new__", "function.__new__", "compile", "builtins.input", "mmap.",
    "fcntl.", "resource.", "signal.", "syslog.", "glob.", "tempfile.", "urllib.", "http.", "ftplib.",
    "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.", "webbrowser.", "msvcrt.", "winreg.",
    "_posixsubprocess", "cpython.", "marshal.", "pickle.", "shelve.", "sqlite3.", "gc.", "setopencode",
    "sys.monitoring",
)


# What heavy code may still not do, whatever a library it imports would allow. (Code and
# function objects are made by libraries here, asyncio for one; user code cannot reach their
# constructors: no compile/exec in its builtins, and the validator refuses dunder access.)
HEAVY_DENIED_EVENTS = (
    "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
    "os.kill", "os.killpg", "os.putenv", "os.unsetenv", "socket.", "pty.", "sys.addaudithook",
    "sys.settrace", "sys.setprofile", "cpython.run_",
    "webbrowser.", "sys.monitoring",
)


def permitted(name, allowed):
    """Whether module `name` or a package it is inside is in `allowed`."""
    parts = name.split(".")
    return any(".".join(parts[:i]) in allowed for i in range(1, len(parts) + 1))


def guarded_namespace(allowed):
    import builtins

    real_import = builtins.__import__

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0:
            raise ImportError("relative imports are not allowed in the sandbox")
        if not permitted(name, allowed):
            raise ImportError(f"import of {name!r} is not allowed in the sandbox")
        for item in fromlist or ():
            if item.startswith("_"):
                raise ImportError(f"importing private name {item!r} is not allowed in the sandbox")
        return real_import(name, globals, locals, fromlist, level)

    def checked(function):
        def wrapper(obj, name, *rest):
            if not isinstance(name, str) or name.startswith("_"):
                raise AttributeError(f"{function.__name__} of private attribute {name!r} is not allowed in the sandbox")
            return function(obj, name, *rest)
        wrapper.__name__ = function.__name__
        return wrapper

    blocked = BLOCKED_BUILTINS - {"open"} if HEAVY else BLOCKED_BUILTINS
    safe = {k: v for k, v in builtins.__dict__.items() if k not in blocked}
    safe["__import__"] = guarded_import
    for name in ("getattr", "setattr", "delattr", "hasattr"):
        safe[name] = checked(getattr(builtins, name))
    return safe


def install_audit_hook(allowed, state):
    """PEP 578 hook: refuses file, process, network and introspection events for the rest of
    the process's life. `state["reporting"]` lets the zygote's own traceback printing walk
    frames after user code has finished."""
    started = []

    def hook(event, args):
        if state.get("reporting"):
            return
        if event == "exec" and not started:
            started.append(True)
            return
        if event == "import":
            name = args[0]
            if isinstance(name, str) and (permitted(name, allowed) or name.startswith(("_", "encodings"))):
                return
            raise ImportError(f"blocked by the sandbox: import {name!r}")
        if event == "open":
            path, mode = args[0], args[1]
            if isinstance(path, str) and path.startswith("/usr/lib/python3") and (mode in (None, "r", "rb")):
                return
            raise PermissionError(f"blocked by the sandbox: open({path!r})")
        if event == "exec" or event.startswith(DENIED_EVENTS):
            raise PermissionError(f"blocked by the sandbox: {event}")

    def heavy_hook(event, args):
        if state.get("reporting"):
            return
        # "exec" events here are libraries importing their modules lazily; user code cannot
        # call exec() (not in its builtins, and the validator refuses it).
        if event.startswith(HEAVY_DENIED_EVENTS):
            raise PermissionError(f"blocked by the sandbox: {event}")

    sys.addaudithook(heavy_hook if HEAVY else hook)


class Prepared:
    """A child forked and locked down ahead of a request, waiting for its code."""

    def __init__(self, limits):
        self.limits = limits
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        status_r, status_w = os.pipe()
        code_r, code_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            child(limits, code_r, out_w, err_w, status_w)
        for fd in (out_w, err_w, status_w, code_r):
            os.close(fd)
        self.pid, self.out_r, self.err_r, self.status_r, self.code_w = pid, out_r, err_r, status_r, code_w
        self.pidfd = os.pidfd_open(pid)
        self.forked = time.monotonic()
        # The child writes one byte when it is locked down, or an error and exits.
        ready, _, _ = select.select([status_r], [], [], PREPARE_TIMEOUT)
        first = os.read(status_r, 4096) if ready else b""
        if first != b"R":
            error = first.decode("utf-8", "replace") or "the child did not lock down in time"
            self.discard()
            raise OSError(f"sandbox set-up: {error}")

    def discard(self):
        for fd in (self.out_r, self.err_r, self.status_r, self.code_w, self.pidfd):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        kill_the_rest()


def child(limits, code_r, out_w, err_w, status_w):
    try:
        os.close(REQ_FD)
        os.close(REP_FD)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        for fd in (null, out_w, err_w):
            os.close(fd)
        lock_down(limits)
        for fd in CONFIG["cgroup_fds"]:
            os.close(fd)
        low, high = sorted((code_r, status_w))
        os.closerange(3, low)
        os.closerange(low + 1, high)
        os.closerange(high + 1, 1 << 16)
        sys.stdout, sys.stderr = STDOUT, STDERR
        for name in ("ctypes", "_ctypes", "resource", "select"):
            sys.modules.pop(name, None)
        if limits["guards"]:
            namespace = {"__builtins__": GUARDED_BUILTINS, "__name__": "__main__"}
        else:
            import builtins
            namespace = {"__builtins__": builtins, "__name__": "__main__"}
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        seccomp()
        os.write(status_w, b"R")
    except BaseException as err:  # the set-up failed: report it, run nothing
        try:
            os.write(status_w, f"{type(err).__name__}: {err}".encode()[:4000])
        finally:
            os._exit(121)
    # Locked down: wait for the code (the zygote closes its end once it is all written).
    source = bytearray()
    while True:
        chunk = os.read(code_r, 1 << 16)
        if not chunk:
            break
        source += chunk
    os.close(code_r)
    started = resource.getrusage(resource.RUSAGE_SELF)
    try:
        code = compile(source.decode("utf-8"), "<snippet>", "exec")
    except SyntaxError as err:
        os.write(2, f"SyntaxError: {err}\n".encode())
        done(status_w, 1, started)
    except BaseException as err:
        os.write(2, f"{type(err).__name__}: {err}\n".encode())
        done(status_w, 1, started)
    state = {}
    status = 1
    try:
        if limits["guards"]:
            install_audit_hook(set(CONFIG["allowed_imports"]), state)
        status = 0
        try:
            exec(code, namespace)
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        except BaseException:
            status = 1
            state["reporting"] = True
            import traceback
            traceback.print_exc()
        state["reporting"] = True
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        status = status or 1
    finally:
        # The child never returns into the zygote's loop, whatever happened above.
        done(status_w, status & 0xFF, started)


def done(status_w, status, started):
    """Tells the zygote the code has finished and its output is all written, then exits. The
    zygote answers at once instead of waiting for the exit itself (tearing down a forked
    address space costs half a millisecond here), and kills and reaps this process and any
    other in the namespace before it prepares the next child. Code that forges this message
    only misreports its own result: it is killed all the same."""
    try:
        ended = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (ended.ru_utime - started.ru_utime) + (ended.ru_stime - started.ru_stime)
        cpu_us, rss = int(cpu * 1e6), ended.ru_maxrss
        os.write(status_w, b"D %d %d %d\n" % (status, cpu_us, rss))
    finally:
        os._exit(status)


def signal_the_rest():
    """SIGKILL every other process of the slot's namespace, without waiting for them."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_the_rest():
    """As PID 1 of the slot's namespace, kill every other process in it and reap them."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def run(req, prepared):
    """Runs `req` in `prepared` (a child locked down with the request's limits)."""
    limits = req["limits"]
    pid, pidfd = prepared.pid, prepared.pidfd
    out_r, err_r, status_r = prepared.out_r, prepared.err_r, prepared.status_r
    start = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    setup_error = None
    try:
        write_all(prepared.code_w, req["code"].encode("utf-8", "surrogatepass"))
    except OSError as err:
        setup_error = f"handing the code over: {err}"
        os.kill(pid, signal.SIGKILL)
    os.close(prepared.code_w)
    cap = req["max_output"]
    bufs = {out_r: bytearray(), err_r: bytearray(), status_r: bytearray()}
    truncated = {out_r: False, err_r: False, status_r: False}
    open_fds = {out_r, err_r, status_r}
    def take(fd):
        """Reads what `fd` holds: keeps up to `cap` bytes, flags the rest; closes it at EOF."""
        chunk = os.read(fd, 65536)
        if not chunk:
            open_fds.discard(fd)
            os.close(fd)
            return
        # The status channel has its own small cap: the output cap must never cut it.
        room = (STATUS_CAP if fd == status_r else cap) - len(bufs[fd])
        if room > 0:
            bufs[fd] += chunk[:room]
        if len(chunk) > room:
            truncated[fd] = True

    deadline = start + limits["timeout"]
    timed_out = False
    exited = False
    status = usage = finished = None
    while open_fds or not exited:
        now = time.monotonic()
        if not timed_out and now >= deadline:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
        wait = max(0.0, deadline - now) if not timed_out else 1.0
        watch = list(open_fds) + ([] if exited else [pidfd]) + [REQ_FD]
        ready, _, _ = select.select(watch, [], [], wait)
        for fd in ready:
            if fd == pidfd:
                exited = True
            elif fd == REQ_FD:
                # The executor went away (EOF) or broke protocol: stop the child and leave.
                os.kill(pid, signal.SIGKILL)
                kill_the_rest()
                os._exit(0)
            else:
                take(fd)
        if not timed_out and bufs[status_r].startswith(b"D ") and bufs[status_r].endswith(b"\n"):
            finished = bufs[status_r].split()
            break
        if exited and status is None:
            _, status, usage = os.wait4(pid, 0)
            # Everything else in this PID namespace belongs to the execution: end it now, so
            # that daemons and double-forked children die with it and its pipes reach EOF.
            kill_the_rest()
        if exited and timed_out and not ready:
            break
    if finished is not None:
        # The child said it is done and has written all its output: stop every process of
        # the execution now (reaping waits until after the answer), then take what the pipes
        # still hold.
        signal_the_rest()
        for fd in (out_r, err_r):
            while fd in open_fds and select.select([fd], [], [], 0)[0]:
                take(fd)
    os.close(pidfd)
    for fd in open_fds:
        os.close(fd)
    elapsed = time.monotonic() - start
    if finished is not None:
        code, cpu_us, rss = (int(x) for x in finished[1:4])
        outcome, exit_code, signum, cpu_ms = "exited", code, None, cpu_us / 1000.0
        setup_error = None
    else:
        kill_the_rest()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_ms = ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000.0
        outcome = "timeout" if timed_out else ("signaled" if os.WIFSIGNALED(status) else "exited")
        exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        rss = usage.ru_maxrss
        setup_error = setup_error or bufs[status_r].decode("utf-8", "replace") or None
    return {
        "id": req["id"],
        "outcome": outcome,
        "exit_code": exit_code,
        "signal": signum,
        "stdout": bufs[out_r].decode("utf-8", "replace"),
        "stderr": bufs[err_r].decode("utf-8", "replace"),
        "stdout_truncated": truncated[out_r],
        "stderr_truncated": truncated[err_r],
        "duration_ms": elapsed * 1000.0,
        "cpu_ms": cpu_ms,
        "maxrss_kb": rss,
        "setup_error": setup_error,
    }


def set_up_failed(req, error):
    return {
        "id": req["id"], "outcome": "exited", "exit_code": None, "signal": None, "stdout": "",
        "stderr": "", "stdout_truncated": False, "stderr_truncated": False, "duration_ms": 0.0,
        "cpu_ms": 0.0, "maxrss_kb": 0, "setup_error": error,
    }


def read_exact(n):
    data = bytearray()
    while len(data) < n:
        chunk = os.read(REQ_FD, n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def send(message):
    body = json.dumps(message).encode()
    data = struct.pack(">I", len(body)) + body
    while data:
        data = data[os.write(REP_FD, data):]


def main():
    if os.getpid() != 1:
        raise SystemExit("the zygote must be PID 1 of its namespace")
    os.dup2(0, REQ_FD)
    os.dup2(1, REP_FD)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    for name in CONFIG["preload"]:
        try:
            __import__(name)
        except Exception:
            pass
    import traceback  # noqa: F401  (warm: used by every failing execution)
    global STDOUT, STDERR, GUARDED_BUILTINS
    # Built once here, copied into every child by fork.
    STDOUT = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    STDERR = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    GUARDED_BUILTINS = guarded_namespace(set(CONFIG["allowed_imports"]))
    # A write to a child that died must be an error here, not the zygote's death.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    send({"ready": True, "pid": os.getpid()})
    prepared = None
    while True:
        header = read_exact(4)
        if header is None:
            break
        body = read_exact(struct.unpack(">I", header)[0])
        if body is None:
            break
        req = json.loads(body)
        op = req.get("op")
        try:
            if op == "prepare":
                if prepared is not None:
                    prepared.discard()
                    prepared = None
                try:
                    prepared = Prepared(req["limits"])
                    send({"prepared": True})
                except OSError as err:
                    send({"prepared": False, "error": str(err)})
            elif op == "discard":
                if prepared is not None:
                    prepared.discard()
                    prepared = None
                send({"discarded": True})
            elif op == "run":
                current, prepared = prepared, None
                if current is not None and (
                    current.limits != req["limits"] or select.select([current.pidfd], [], [], 0)[0]
                ):
                    # Prepared for other limits, or died while waiting (killed from outside):
                    # the code must not be blamed for either.
                    current.discard()
                    current = None
                if current is None:
                    try:
                        current = Prepared(req["limits"])
                    except OSError as err:
                        send(set_up_failed(req, str(err)))
                        continue
                send(run(req, current))
                # Nothing of this execution may outlive its answer by more than this.
                kill_the_rest()
            else:
                send({"fatal": f"unknown operation {op!r}"})
        except Exception as err:
            send({"id": req.get("id"), "fatal": f"{type(err).__name__}: {err}"})
    if prepared is not None:
        prepared.discard()
    kill_the_rest()


PREPARE_TIMEOUT = 10.0
# Most kept of what a child writes on its status channel ("D status cpu rss\n", or a set-up
# error): independent of the request's output cap.
STATUS_CAP = 4096
main()
