# what: scans its own process memory, without /proc, for secrets that earlier requests planted (heap_scan_victim.py) and prints each as a FOUND line
# expect: ok
# timeout: 5
# memory-mb: 256
# Driven by a dedicated Rust test: it runs heap_scan_victim.py (with a fresh token), then this
# file on the same slot, and fails if any FOUND line names a secret a victim planted. Each
# distinct match is printed once as "FOUND <the 14-byte prefix><token>"; nothing here prints
# the escape marker itself, the test decides. A slot whose children are forked from a process
# that once relayed another request's code or output hands those bytes to this one.
#
# How it reads memory it cannot see in /proc/self/maps (no /proc in the lightweight tier):
# - Readability is probed without ever touching memory from user space: os.write() of a ctypes
#   array placed at the address (ctypes.c_char * n).from_address(addr) into a pipe of our own.
#   The kernel copies page by page and stops at the first unmapped or unreadable page: EFAULT if
#   the first page is bad, a short count otherwise. What it copied is read back from the pipe,
#   so the same call is the reader: a bad address never segfaults this process.
# - Seeds (addresses known to be mapped): id() of every object the garbage collector tracks
#   (pymalloc arenas, the brk heap, the interpreter's data segment), sbrk(0) (the top of the brk
#   heap, where glibc malloc keeps freed chunks of the zygote), fresh malloc and mmap buffers,
#   a libc function, libc's __libc_stack_end and environ (the stack).
# - Around each seed the readable run is grown in both directions: upwards by chunk reads until
#   a short count, downwards by chunks and then a binary search for the first readable page.
#   Past each end, pages are probed one by one for HOP bytes to step over guard pages and small
#   holes between mappings (adjacent arenas, library segments) and the runs found there are
#   grown too. Each run is then read in chunks and searched for the prefix in 1-byte, UTF-16
#   and UTF-32 encodings (a Python str keeps ASCII text in 1 byte per character, other text in 2
#   or 4).
# What it can miss: mappings more than HOP away from every seed (a large, isolated mmap that
# held a freed big object; that memory went back to the kernel when it was unmapped, so it is
# gone anyway), memory the zygote freed to the kernel (trimmed heap top, unmapped arenas),
# bytes overwritten after the fork (free-list pointers over the first 8-16 bytes of a freed
# block), and secrets split across encodings or broken by escapes (JSON \uXXXX).
import ctypes, errno, fcntl, gc, os, sys, time

started = time.monotonic()
BUDGET_SECS = 1.5  # stop scanning (and report what was found) inside even a 2 s timeout
PREFIX = b"pyexec" + b"-secret-"
TOKEN_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
PAGE = os.sysconf("SC_PAGE_SIZE")
HOP = 4 << 20
F_SETPIPE_SZ = 1031

libc = ctypes.CDLL(None, use_errno=True)
R, W = os.pipe()
for fd in (R, W):  # never block: not os.set_blocking, which needs an ioctl the filter refuses
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
try:
    CHUNK = fcntl.fcntl(W, F_SETPIPE_SZ, 1 << 20)
except OSError:
    CHUNK = 64 << 10
CHUNK -= CHUNK % PAGE


def copy(addr, n):
    """Up to `n` bytes from `addr`, stopping at the first page that cannot be read."""
    try:
        got = os.write(W, (ctypes.c_char * n).from_address(addr))
    except OSError as err:
        if err.errno in (errno.EFAULT, errno.EINVAL, errno.EOVERFLOW):
            return b""
        raise
    parts = []
    while got:
        part = os.read(R, got)
        parts.append(part)
        got -= len(part)
    return b"".join(parts)


def readable(page):
    return 0 < page < (1 << 47) - PAGE and len(copy(page, 1)) == 1


def grow(seed):
    """The readable run of pages around `seed`: (low, high), or None."""
    low = seed - seed % PAGE
    if not readable(low):
        return None
    while low - CHUNK > 0 and len(copy(low - CHUNK, CHUNK)) == CHUNK:
        low -= CHUNK
    lo_pages, hi_pages = 0, CHUNK // PAGE  # binary search: how many pages below `low` are readable
    while lo_pages < hi_pages:
        mid = (lo_pages + hi_pages + 1) // 2
        start = low - mid * PAGE
        if start > 0 and len(copy(start, mid * PAGE)) == mid * PAGE:
            lo_pages = mid
        else:
            hi_pages = mid - 1
    low -= lo_pages * PAGE
    high = seed - seed % PAGE
    while True:
        got = len(copy(high, CHUNK))
        high += got
        if got < CHUNK:
            return low, high


def neighbours(low, high):
    """The first readable page within HOP below `low` and above `high`, if any."""
    found = []
    for page in range(high, high + HOP, PAGE):
        if readable(page):
            found.append(page)
            break
    for page in range(low - PAGE, max(PAGE, low - HOP), -PAGE):
        if readable(page):
            found.append(page)
            break
    return found


def seeds():
    out = {id(o) for o in gc.get_objects()}
    out |= {id(x) for x in (None, sys, os, int, str, b"", "", 0, PREFIX, ())}
    small, big = ctypes.create_string_buffer(64), ctypes.create_string_buffer(1 << 20)
    out |= {ctypes.addressof(small), ctypes.addressof(big)}
    libc.sbrk.restype = ctypes.c_void_p
    brk = libc.sbrk(0)
    if brk:
        out.add(brk - 1)
    out.add(ctypes.cast(libc.malloc, ctypes.c_void_p).value)
    out.add(ctypes.cast(ctypes.pythonapi.Py_Initialize, ctypes.c_void_p).value)
    for name in ("__libc_stack_end", "environ"):
        try:
            out.add(ctypes.c_void_p.in_dll(libc, name).value or 0)
        except ValueError:
            pass
    # One seed per MiB is enough: the run around it covers its neighbours.
    by_mib = {}
    for addr in out:
        if addr:
            by_mib.setdefault(addr >> 20, addr)
    return sorted(by_mib.values())


def find_runs():
    runs, pending = [], seeds()
    while pending and time.monotonic() - started < BUDGET_SECS / 3:
        addr = pending.pop()
        if any(low <= addr < high for low, high in runs):
            continue
        run = grow(addr)
        if run is None:
            continue
        runs.append(run)
        pending.extend(neighbours(*run))
    return sorted(runs)


PATTERNS = [PREFIX, PREFIX.decode().encode("utf-16-le"), PREFIX.decode().encode("utf-32-le")]
KEEP = 4 * (len(PREFIX) + 96)


def token_at(data, start, width):
    token = bytearray()
    for i in range(start, min(len(data), start + 80 * width), width):
        c = data[i]
        if c not in TOKEN_CHARS or any(data[i + 1:i + width]):
            break
        token.append(c)
    return bytes(token)


def scan(runs):
    found, scanned = {}, 0  # token -> (address, width) of its first match
    for low, high in runs:
        tail = b""
        for addr in range(low, high, CHUNK):
            if time.monotonic() - started > BUDGET_SECS:
                return found, scanned, False
            data = tail + copy(addr, min(CHUNK, high - addr))
            scanned += len(data) - len(tail)
            for width, pattern in zip((1, 2, 4), PATTERNS):
                at = data.find(pattern)
                while at >= 0:
                    token = token_at(data, at + len(pattern), width)
                    if len(token) >= 4 and token not in found:
                        found[token] = (addr - len(tail) + at, width)
                    at = data.find(pattern, at + 1)
            tail = data[-KEEP:]
    return found, scanned, True


runs = find_runs()
found, scanned, complete = scan(runs)
elapsed = time.monotonic() - started
for token, (addr, width) in sorted(found.items()):
    print("FOUND", (PREFIX + token).decode(), flush=True)
    print(f"note the match above is at {addr:#x}, {width} byte(s) per character", flush=True)
print(f"note scanned {scanned >> 20} MiB in {len(runs)} readable runs, chunk {CHUNK >> 10} KiB, "
      f"{elapsed:.2f} s{'' if complete else ' (stopped at the time budget)'}; {len(found)} distinct matches",
      flush=True)
for low, high in runs:
    print(f"note run {low:#x}-{high:#x} {(high - low) >> 10} KiB", flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
