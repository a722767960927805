# what: exhausting file descriptors by opening /dev/null, then raising RLIMIT_NOFILE and trying again
# expect: ok|error
import os, resource
fds = []

def fill(label):
    try:
        while len(fds) <= 200000:
            fds.append(os.open("/dev/null", os.O_RDONLY))
        print("ESCAPED opened", len(fds), "descriptors", label, flush=True)
    except OSError as err:
        print("blocked after", len(fds), "descriptors", label, err.strerror, flush=True)

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
print("RLIMIT_NOFILE", soft, hard, flush=True)
fill("at the soft limit")
for new in [(hard, hard), (1 << 20, 1 << 20)]:
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, new)
        print("note raised RLIMIT_NOFILE to", new, flush=True)
        fill("after raising the limit")
    except (OSError, ValueError) as err:
        print("blocked raising RLIMIT_NOFILE to", new, err, flush=True)
if len(fds) > 100000:
    print("ESCAPED total descriptors", len(fds), flush=True)
for fd in fds:
    os.close(fd)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
