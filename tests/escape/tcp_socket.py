# what: TCP sockets: connect to localhost services and the internet, listen on all interfaces, raw socket() syscalls
# expect: ok|error
import ctypes, os, socket

def say(*a):
    print(*a, flush=True)

for family, addr in [(socket.AF_INET, ("127.0.0.1", 5432)), (socket.AF_INET, ("127.0.0.1", 5672)),
                     (socket.AF_INET, ("8.8.8.8", 53)), (socket.AF_INET, ("169.254.169.254", 80)),
                     (socket.AF_INET6, ("::1", 5432)), (socket.AF_INET6, ("2001:4860:4860::8888", 53))]:
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
    except OSError as err:
        say("blocked socket", family.name, addr, err.strerror)
        continue
    say("ESCAPED created a TCP socket", family.name)
    try:
        s.settimeout(0.3)
        s.connect(addr)
        say("ESCAPED connected to", addr)
    except OSError as err:
        say("blocked connect", addr, err)
    finally:
        s.close()

for family, host in [(socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")]:
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        say("ESCAPED created a listening candidate socket", family.name)
        s.bind((host, 0))
        s.listen()
        say("ESCAPED listening on", s.getsockname())
        s.close()
    except OSError as err:
        say("blocked listen", family.name, err.strerror)

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for label, nr, kind in [("socket", 41, 1), ("socket cloexec|nonblock", 41, 1 | 0x80000 | 0x800),
                        ("socket raw", 41, 3), ("x32 socket", 0x40000000 | 41, 1)]:
    for family in (2, 10):
        fd = libc.syscall(ctypes.c_long(nr), ctypes.c_long(family), ctypes.c_long(kind), ctypes.c_long(0))
        if fd >= 0:
            say("ESCAPED raw syscall", label, "family", family, "fd", fd)
            os.close(fd)
        else:
            say("blocked", label, "family", family, os.strerror(ctypes.get_errno()))
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
