# what: UDP datagrams to local and internet DNS, over IPv4 and IPv6, plain and connected
# expect: ok|error
import socket

def say(*a):
    print(*a, flush=True)

for family, addr in [(socket.AF_INET, ("127.0.0.1", 53)), (socket.AF_INET, ("8.8.8.8", 53)),
                     (socket.AF_INET, ("255.255.255.255", 53)), (socket.AF_INET6, ("::1", 53)),
                     (socket.AF_INET6, ("2001:4860:4860::8888", 53))]:
    try:
        s = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as err:
        say("blocked socket", family.name, addr, err.strerror)
        continue
    say("ESCAPED created a UDP socket", family.name)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sent = s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01", addr)
        say("ESCAPED sent", sent, "bytes to", addr)
        s.connect(addr)
        s.send(b"x")
        say("ESCAPED sent on a connected UDP socket to", addr)
    except OSError as err:
        say("blocked send", addr, err)
    finally:
        s.close()
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
