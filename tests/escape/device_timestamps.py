# what: changing the inodes behind /dev/{null,zero,random,urandom}: utime (now and explicit), chmod and chown to their current values, truncate and ftruncate; reading and writing the devices is allowed
# expect: ok|error
# If these are binds of the host's device inodes, a successful utime or chown here changes the
# host's /dev/null (its timestamps at least), which other executions and the host can observe.
# chmod and chown only ask for what the inode already has, so a success changes no permission.
import os, stat

DEVICES = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"]


def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)


def attempt(label, path, call, escape=True):
    try:
        call()
    except (OSError, ValueError) as err:
        say("blocked", label, path, getattr(err, "strerror", None) or err)
        return False
    if escape:
        print("ESCAPED", label, "succeeded on", path, flush=True)
    else:
        say("note", label, "succeeded on", path)
    return True


for path in DEVICES:
    try:
        before = os.stat(path)
    except OSError as err:
        say("note", path, "not visible:", err.strerror)
        continue
    say("note", path, "mode", oct(before.st_mode), "owner", before.st_uid, before.st_gid, "dev", before.st_dev,
        "ino", before.st_ino, "rdev", hex(before.st_rdev), "mtime", before.st_mtime_ns)
    if not stat.S_ISCHR(before.st_mode):
        say("note", path, "is not a character device")
    attempt("utime to now", path, lambda: os.utime(path))
    attempt("utime to explicit times", path, lambda: os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns)))
    attempt("chmod to its current mode", path, lambda: os.chmod(path, stat.S_IMODE(before.st_mode)))
    attempt("chown(-1, -1)", path, lambda: os.chown(path, -1, -1))
    attempt("chown to its current owner", path, lambda: os.chown(path, before.st_uid, before.st_gid))
    attempt("truncate", path, lambda: os.truncate(path, 0))
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as err:
        say("note open for writing", path, err.strerror)
    else:
        attempt("write", path, lambda: os.write(fd, b"x" * 64), escape=False)
        attempt("ftruncate", path, lambda: os.ftruncate(fd, 0))
        attempt("futime to now", path, lambda: os.utime(fd))
        attempt("fchmod to its current mode", path, lambda: os.chmod(fd, stat.S_IMODE(before.st_mode)))
        os.close(fd)
    after = os.stat(path)
    if (after.st_mtime_ns, after.st_ctime_ns, after.st_mode, after.st_uid) != (
            before.st_mtime_ns, before.st_ctime_ns, before.st_mode, before.st_uid):
        print("ESCAPED", path, "inode changed: mtime", before.st_mtime_ns, "->", after.st_mtime_ns,
              "ctime", before.st_ctime_ns, "->", after.st_ctime_ns, flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
