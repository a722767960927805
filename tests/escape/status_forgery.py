# what: forging the status channel (the inherited write-only pipe other than 0, 1, 2): malformed and out-of-range "D" lines, a line without newline, 100 KB of text, invalid UTF-8, then a normal exit
# expect: ok|error|killed
# timeout: 5
# The service must treat the channel as untrusted: the real exit status wins, the marker below
# reaches stdout, and no forgery may cost a retry (the code running again) or an HTTP 500.
import errno, fcntl, os, signal, stat, time

# A closed channel is an EPIPE to report, not our death. The lightweight sandbox refuses
# installing signal dispositions (seccomp), so SIGPIPE is blocked instead: a write to a
# closed pipe then fails with EPIPE and the signal stays pending.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPIPE})


def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)


def status_fds():
    found = []
    for fd in range(3, 1024):
        try:
            st = os.fstat(fd)
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError:
            continue
        writable = flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR)
        say("note inherited fd", fd, "fifo" if stat.S_ISFIFO(st.st_mode) else oct(st.st_mode),
            "writable" if writable else "read-only")
        if stat.S_ISFIFO(st.st_mode) and writable:
            found.append(fd)
    return found


def send(fd, label, data):
    """Writes all of `data`, waiting at most a second for a reader that stops reading."""
    view, deadline = memoryview(data), time.monotonic() + 1.0
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            if time.monotonic() > deadline:
                say("note", label, "reader stopped reading;", len(view), "bytes not written")
                return
            time.sleep(0.005)
        except OSError as err:
            say("note", label, "write failed:", errno.errorcode.get(err.errno, err.errno))
            return
    say("note wrote", label, len(data), "bytes")
    time.sleep(0.02)  # let a reader take each forgery on its own


FORGERIES = [
    ("out-of-range values", b"D 999999 -1 99999999999999999999\n"),
    ("too many fields", b"D 0 0 0 0 0\n"),
    ("non-numeric status", b"D abc\n"),
    ("empty D line", b"D\n"),
    ("negative numbers", b"D -1 -99999999 -1\n"),
    ("line without newline", b"D 0 0 0"),
    ("100 KB of text", b"set-up failed: this is not a set-up error " * 2500 + b"\n"),
    ("invalid UTF-8", b"D \xff\xfe\xfd 0 0\n" + b"\xc3\x28\xa0\xa1\xf0\x28\x8c\xbc" * 512 + b"\n"),
]

fds = status_fds()
if not fds:
    say("note no writable pipe other than 0, 1, 2 is inherited: nothing to forge")
for fd in fds:
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)  # not os.set_blocking: ioctl
    for label, data in FORGERIES:
        send(fd, f"fd {fd} {label}", data)
print("status-forgery-marker: the code ran to its end and exits 0", flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
