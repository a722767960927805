# what: file locks on shared runtime files opened read-only (flock, lockf record locks, open-file-description locks), held briefly while looking for other executions' locks on the same files
# expect: ok|error
# timeout: 3
# A lock on a file every slot can open is a channel between executions that run at the same
# time: one holds or releases it, another sees it. This probe only reports what it could take
# and what it saw ("note ... sees a lock held by someone else"); a Rust test runs two copies at
# once and asserts neither sees the other. Each kind of lock is looked for in a way that never
# reports this process's own locks:
#   flock     on os.py:      hold LOCK_SH, test LOCK_EX|LOCK_NB (EWOULDBLOCK: another holder);
#   lockf     on struct.py:  hold a POSIX read lock, query F_GETLK (never reports its own);
#   OFD lock  on stat.py:    hold F_OFD_SETLK read lock, query F_OFD_GETLK on the same fd.
import errno, fcntl, os, stat, struct, time

HOLD_SECS = 1.0
F_OFD_GETLK, F_OFD_SETLK = 36, 37  # Linux open-file-description locks


def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)


def err_name(err):
    return errno.errorcode.get(err.errno, str(err.errno))


def flock_struct(kind):
    # struct flock on x86_64: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid
    return struct.pack("hhqqi4x", kind, os.SEEK_SET, 0, 0, 0)


def holder(fd, cmd):
    """Who holds a lock that a write lock on the whole file would conflict with (type, pid)."""
    kind, _, _, _, pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, cmd, flock_struct(fcntl.F_WRLCK)))
    return None if kind == fcntl.F_UNLCK else (kind, pid)


def take(label, path, call):
    try:
        call()
        say("note took", label, "on", path)
        return True
    except OSError as err:
        say("note refused", label, "on", path, err_name(err))
        return False


def open_ro(path):
    try:
        return os.open(path, os.O_RDONLY)
    except OSError as err:
        say("note cannot open", path, err.strerror)
        return None


checks = []  # (label, path, function returning a description of a foreign lock or None)

path = os.__file__
fd = open_ro(path)
if fd is not None:
    take("flock LOCK_EX|LOCK_NB (flock needs no writable descriptor)", path,
         lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB))
    if take("flock LOCK_SH|LOCK_NB", path, lambda: fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)):
        def flock_check(fd=fd):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # converting drops our shared lock first
                found = None
            except OSError as err:
                found = "flock held" if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN) else None
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return found
        checks.append(("flock", path, flock_check))

path = struct.__file__
fd = open_ro(path)
if fd is not None:
    take("lockf LOCK_EX|LOCK_NB (write lock, needs a writable descriptor)", path,
         lambda: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB))
    take("lockf LOCK_SH|LOCK_NB (POSIX read lock)", path, lambda: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB))
    checks.append(("F_GETLK", path, lambda fd=fd: holder(fd, fcntl.F_GETLK)))

path = stat.__file__
fd = open_ro(path)
if fd is not None:
    take("F_OFD_SETLK read lock", path, lambda: fcntl.fcntl(fd, F_OFD_SETLK, flock_struct(fcntl.F_RDLCK)))
    checks.append(("F_OFD_GETLK", path, lambda fd=fd: holder(fd, F_OFD_GETLK)))

# Hold what we took, and look for anyone else's locks on the same files meanwhile.
seen, refused = set(), set()
deadline = time.monotonic() + HOLD_SECS
while time.monotonic() < deadline:
    for label, path, check in checks:
        try:
            found = check()
        except OSError as err:
            if label not in refused:
                refused.add(label)
                say("note", label, "query refused on", path, err_name(err))
            continue
        if found and (label, found) not in seen:
            seen.add((label, found))
            say("note", label, "sees a lock held by someone else on", path, found)
    time.sleep(0.05)
say("note lock probe done:", len(seen), "foreign locks seen")
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
