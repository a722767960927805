# The warm fork server of one sandbox slot. Trusted code: it runs inside the slot's user, mount,
# PID, network, IPC and UTS namespaces (set up by `pyexec __sandbox-init`, which execs this
# file), with only the Python runtime visible, read-only.
#
# It never holds a request's bytes. For each execution it forks a child that locks itself down
# (`lockdown.py`) and then waits for code on a pipe; the zygote hands the parent ends of the
# child's pipes (code in; stdout, stderr, status out) and a pidfd to the service over its
# control socket (SCM_RIGHTS) and closes its own copies. The service writes the code and reads
# the output directly, so no later child, forked from this process, can find an earlier
# request's code or output in the memory it inherits.
#
# Control protocol on fd 10, a unix socket: 4-byte big-endian length, then UTF-8 JSON.
#   {"op": "prepare", "plan": {...}}  -> {"prepared": true} + fds [code, stdout, stderr, status,
#                                        pidfd], or {"prepared": false, "error"|"fatal": ...}
#   {"op": "finish"}                  -> kills the child and every other process of the slot,
#                                        reaps them: {"finished": true, "exit_code", "signal",
#                                        "cpu_ms", "maxrss_kb"} (of the child; null if none)
# EOF on the socket: kill everything and exit.
import builtins
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import types

sys.path.insert(0, "/sandbox")
import guards  # noqa: E402
import lockdown  # noqa: E402

CONTROL_FD = 10
CONFIG = json.load(open("/sandbox/config.json", encoding="utf-8"))
STATIC = CONFIG["lockdown"]
SECCOMP = open("/sandbox/seccomp.bpf", "rb").read()
HEAVY = CONFIG.get("heavy", False)
sys.path[:0] = CONFIG.get("sys_path", [])
PREPARE_TIMEOUT = 10.0
# The status channel carries "R" (locked down) during prepare; more is an error message.
STATUS_CAP = 4096


class Prepared:
    """A child forked and locked down ahead of a request, waiting for its code."""

    def __init__(self, plan):
        code_r, code_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        status_r, status_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            child(plan, code_r, out_w, err_w, status_w)
        for fd in (code_r, out_w, err_w, status_w):
            os.close(fd)
        self.pid = pid
        self.service_fds = [code_w, out_r, err_r, status_r]
        self.service_fds.append(os.pidfd_open(pid))
        # The child writes one byte when it is locked down, or an error and exits.
        ready, _, _ = select.select([status_r], [], [], PREPARE_TIMEOUT)
        first = os.read(status_r, STATUS_CAP) if ready else b""
        if first != b"R":
            error = first.decode("utf-8", "replace") or "the child did not lock down in time"
            self.close_service_fds()
            finish(self)
            raise OSError(f"sandbox set-up: {error}")

    def close_service_fds(self):
        for fd in self.service_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.service_fds = []


def child(plan, code_r, out_w, err_w, status_w):
    try:
        os.close(CONTROL_FD)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        for fd in (null, out_w, err_w):
            os.close(fd)
        # A fresh session: no signal to a process group reaches the zygote or another slot.
        os.setsid()
        # The zygote ignores every catchable signal; user code gets Python's usual handling
        # back (SIGXFSZ ignored, so a write past the file size limit fails with EFBIG), and
        # the default SIGPIPE, so that writing to a closed pipe ends it.
        for signum, handler in ORIGINAL_HANDLERS.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        lockdown.lock_down(STATIC, plan, SECCOMP, keep=(code_r, status_w))
        sys.stdout, sys.stderr = STDOUT, STDERR
        for name in ("ctypes", "_ctypes", "resource", "select", "socket", "_socket"):
            sys.modules.pop(name, None)
        # User code gets a module of its own as `__main__`: nothing it reaches through
        # `sys.modules` (or a library reading the caller's module) is the zygote's.
        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = GUARDED_BUILTINS if plan["guards"] else builtins
        sys.modules["__main__"] = main
        for name in ("guards", "lockdown"):
            sys.modules.pop(name, None)
        namespace = main.__dict__
        # The heavy tier's folder names (OUTPUT_DIR, INPUT_DIR): plain strings, set here
        # rather than in a line before the program, which would shift its line numbers.
        for name, value in CONFIG.get("names", {}).items():
            namespace[name] = value
        os.write(status_w, b"R")
    except BaseException as err:  # the set-up failed: report it, run nothing
        try:
            os.write(status_w, f"{type(err).__name__}: {err}".encode()[:STATUS_CAP])
        finally:
            os._exit(121)
    run_code(plan, code_r, status_w, namespace)


def run_code(plan, code_r, status_w, namespace):
    """Reads the code until the service closes the pipe, runs it, reports, exits."""
    source = bytearray()
    while True:
        chunk = os.read(code_r, 1 << 16)
        if not chunk:
            break
        source += chunk
    os.close(code_r)
    started = resource.getrusage(resource.RUSAGE_SELF)
    try:
        text = source.decode("utf-8")
        code = compile(text, "<snippet>", "exec")
    except SyntaxError as err:
        os.write(2, f"SyntaxError: {err}\n".encode())
        done(status_w, 1, started)
    except BaseException as err:
        os.write(2, f"{type(err).__name__}: {err}\n".encode())
        done(status_w, 1, started)
    del source
    lines = text.splitlines()
    del text
    status = 1
    # What is needed after the program, held here: the zygote's namespace is emptied in
    # this child before the program runs. Every function the zygote defined
    # (Prepared.__init__, reachable through object.__subclasses__()) has it as __globals__,
    # and it held CONFIG, TRUSTED, the guards module and the real builtins (eighth review).
    stdout, stderr, user_str = STDOUT, STDERR, USER_STR
    report_of, finished = guards.exception_report, done
    try:
        if plan["guards"]:
            guards.install_audit_hook(
                CONFIG["allowed_imports"], HEAVY, TRUSTED,
                CONFIG.get("open_read", ()), CONFIG.get("open_write", ()),
            )
        status = 0
        globals().clear()
        try:
            exec(code, namespace)
        except SystemExit as exit:
            code_ = exit.code
            if code_ is None:
                status = 0
            elif issubclass(type(code_), int):
                status = int.__int__(code_)
            else:
                # As CPython does: sys.exit("message") prints the message.
                status = 1
                stderr.write(user_str(code_) + "\n")
        except BaseException as err:
            status = 1
            # Formatted with the guards still on: user code that runs meanwhile (an
            # exception's __str__) is as confined as before.
            report = report_of(err, lines, user_str)
            del err
            stdout.flush()
            stderr.write(report)
        # The zygote's own streams: user code may have replaced sys.stdout, and calling its
        # objects from here would run them in a frame whose globals are the zygote's.
        stdout.flush()
        stderr.flush()
    except BaseException:
        status = status or 1
    finally:
        try:
            stderr.flush()
        except BaseException:
            pass
        # The child never returns into the zygote's loop, whatever happened above.
        finished(status_w, status & 0xFF, started)


def done(status_w, status, started, getrusage=resource.getrusage, who=resource.RUSAGE_SELF,
         write=os.write, exit_now=os._exit):
    """Tells the service the code has finished and its output is all written, then exits.
    The service answers at once instead of waiting for the exit (tearing down a forked
    address space costs half a millisecond), and has the zygote kill and reap this process
    and any other of the slot before the next child. Untrusted all the same: code can write
    here too. The service accepts only a well-formed line with values in range, and code that
    forges one only misreports its own result."""
    # Its modules come as defaults: the zygote's namespace is empty by the time it runs.
    try:
        ended = getrusage(who)
        cpu = (ended.ru_utime - started.ru_utime) + (ended.ru_stime - started.ru_stime)
        write(status_w, b"D %d %d %d\n" % (status, int(cpu * 1e6), ended.ru_maxrss))
    finally:
        exit_now(status)


def finish(prepared):
    """Kills the execution's child and every other process of the slot's namespace (as its
    PID 1), reaps them all, and reports how the child ended."""
    report = {"finished": True, "exit_code": None, "signal": None, "cpu_ms": 0.0, "maxrss_kb": 0}
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if prepared is not None:
        try:
            _, status, usage = os.wait4(prepared.pid, 0)
            if os.WIFEXITED(status):
                report["exit_code"] = os.WEXITSTATUS(status)
            elif os.WIFSIGNALED(status):
                report["signal"] = os.WTERMSIG(status)
            report["cpu_ms"] = (usage.ru_utime + usage.ru_stime) * 1000.0
            report["maxrss_kb"] = usage.ru_maxrss
        except ChildProcessError:
            pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return report


def read_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def send(sock, message, fds=()):
    body = json.dumps(message).encode()
    data = struct.pack(">I", len(body)) + body
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.sendall(data)


def own_limits():
    return [resource.getrlimit(r) for r in range(16)]  # every Linux rlimit (RLIMIT_RTTIME is 15)


def main():
    if os.getpid() != 1:
        raise SystemExit("the zygote must be PID 1 of its namespace")
    os.dup2(0, CONTROL_FD)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)
    sock = socket.socket(fileno=CONTROL_FD)
    for name in CONFIG["preload"]:
        try:
            __import__(name)
        except Exception:
            pass
    global STDOUT, STDERR, GUARDED_BUILTINS, TRUSTED, USER_STR, ORIGINAL_HANDLERS
    # Built once here, copied into every child by fork.
    # A heavy job's output is followed while it runs (GET /api/v1/jobs/{id}/logs): written
    # line by line, as on a terminal. A lightweight run's is read whole when it ends.
    buffering = 1 if HEAVY else -1
    STDOUT = open(
        1, "w", buffering, encoding="utf-8", errors="backslashreplace", closefd=False
    )
    STDERR = open(
        2, "w", buffering, encoding="utf-8", errors="backslashreplace", closefd=False
    )
    GUARDED_BUILTINS = guards.guarded_builtins(
        CONFIG["allowed_imports"], HEAVY, CONFIG.get("restricted_imports")
    )
    # Imports the standard library modules whose code the audit hook trusts, and linecache
    # (used by every failing execution's report).
    TRUSTED = guards.trusted_codes(run_code)
    # logging looks up the caller's frame for every record (file, line, function): with
    # _srcfile unset it skips that, so nothing in logging needs to read frames. The default
    # format shows none of those fields.
    import logging
    logging._srcfile = None
    guards.seal_logging(logging)
    USER_STR = guards.sealed_user_str()
    # The zygote ignores every signal it can: nothing may stop the fork server, whatever
    # reaches it (PID 1 of a namespace already ignores signals from inside without a handler).
    ORIGINAL_HANDLERS = {}
    for signum in signal.valid_signals():
        if signum in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            continue
        try:
            ORIGINAL_HANDLERS[signum] = signal.signal(signum, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
    limits = own_limits()
    send(sock, {"ready": True})
    prepared = None
    while True:
        header = read_exact(sock, 4)
        if header is None:
            break
        body = read_exact(sock, struct.unpack(">I", header)[0])
        if body is None:
            break
        req = json.loads(body)
        op = req.get("op")
        if op == "prepare":
            # Nothing of the previous execution survives into the next child's fork.
            finish(prepared)
            prepared = None
            if own_limits() != limits:
                # Only a child could have changed them (prlimit is refused to children by
                # seccomp; this is the backstop): the slot cannot be trusted any more.
                send(sock, {"prepared": False, "fatal": "the zygote's resource limits changed"})
                break
            try:
                prepared = Prepared(req["plan"])
            except OSError as err:
                send(sock, {"prepared": False, "error": str(err)})
                continue
            send(sock, {"prepared": True}, prepared.service_fds)
            prepared.close_service_fds()
        elif op == "finish":
            report = finish(prepared)
            prepared = None
            send(sock, report)
        else:
            send(sock, {"fatal": f"unknown operation {op!r}"})
            break
    finish(prepared)


main()
