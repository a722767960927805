# what: unix sockets to host services (docker, postgres), abstract sockets, socketpair, netlink and packet sockets
# expect: ok|error
import ctypes, os, socket

def say(*a):
    print(*a, flush=True)

targets = ["/var/run/docker.sock", "/run/docker.sock", "/run/postgresql/.s.PGSQL.5432", "/var/run/postgresql/.s.PGSQL.5432",
           "/run/containerd/containerd.sock", "/run/systemd/private", "/run/dbus/system_bus_socket",
           "\0/tmp/.X11-unix/X0", "\0pyexec", "\0@/containerd-shim", b"\0probe-abstract"]
for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):
    try:
        s = socket.socket(socket.AF_UNIX, kind)
    except OSError as err:
        say("blocked AF_UNIX socket", kind.name, err.strerror)
        continue
    say("ESCAPED created an AF_UNIX socket", kind.name)
    for addr in targets:
        try:
            s.connect(addr)
            say("ESCAPED connected to", repr(addr))
            s.close()
            s = socket.socket(socket.AF_UNIX, kind)
        except OSError as err:
            say("blocked connect", repr(addr), err.strerror)
    try:
        s.bind(b"\0pyexec-probe-listener")
        say("ESCAPED bound an abstract socket")
    except OSError as err:
        say("blocked abstract bind", err.strerror)
    s.close()

for name, args in [("socketpair unix stream", (socket.AF_UNIX, socket.SOCK_STREAM)),
                   ("socketpair unix dgram", (socket.AF_UNIX, socket.SOCK_DGRAM))]:
    try:
        a, b = socket.socketpair(*args)
        say("ESCAPED", name)
        a.close(), b.close()
    except OSError as err:
        say("blocked", name, err.strerror)

for name, args in [("netlink route", (socket.AF_NETLINK, socket.SOCK_RAW, 0)),
                   ("netlink audit", (socket.AF_NETLINK, socket.SOCK_RAW, 9)),
                   ("netlink uevent", (socket.AF_NETLINK, socket.SOCK_DGRAM, 15)),
                   ("packet raw", (socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))),
                   ("packet dgram", (socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))),
                   ("inet raw icmp", (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)),
                   ("inet ping", (socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)),
                   ("vsock", (40, socket.SOCK_STREAM, 0)), ("bluetooth", (31, socket.SOCK_STREAM, 0))]:
    try:
        s = socket.socket(*args)
        say("ESCAPED created", name, "socket")
        s.close()
    except OSError as err:
        say("blocked", name, err.strerror)

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
pair = (ctypes.c_int * 2)()
ret = libc.syscall(ctypes.c_long(53), ctypes.c_long(1), ctypes.c_long(1), ctypes.c_long(0), pair)
if ret == 0:
    say("ESCAPED raw socketpair syscall", list(pair))
    os.close(pair[0]), os.close(pair[1])
else:
    say("blocked raw socketpair", os.strerror(ctypes.get_errno()))
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
