# what: writing outside the work folder: new files/dirs/links in /, /tmp, the runtime, /dev, /work/..; chmod/chown/utime on runtime files
# expect: ok|error
import os
tag = f"pyexec_probe_{os.getpid()}"

def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)

def escaped(*a):
    print("ESCAPED", *a, flush=True)

for d in ["/", "/tmp", "/var/tmp", "/dev/shm", "/usr/lib/python3.11", "/usr/lib/python3.11/__pycache__",
          "/usr/bin", "/usr/lib/x86_64-linux-gnu", "/lib64", "/dev", "/work/..", "/work/../..", "../.."]:
    path = os.path.join(d, tag)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, b"x")
        os.close(fd)
        escaped("created file", path)
        os.unlink(path)
    except OSError as err:
        say("blocked create", path, err.strerror)
    for what, make, undo in [("mkdir", os.mkdir, os.rmdir), ("symlink", lambda p: os.symlink("/work", p), os.unlink),
                             ("fifo", os.mkfifo, os.unlink)]:
        try:
            make(path + "_" + what)
            escaped(what, path + "_" + what)
            undo(path + "_" + what)
        except OSError as err:
            say("blocked", what, path, err.strerror)

# Existing runtime files: opening for writing or changing metadata to the same values is harmless if it works.
for path in ["/usr/lib/python3.11/os.py", "/usr/lib/python3.11/site.py", "/usr/lib/x86_64-linux-gnu/libc.so.6",
             "/lib64/ld-linux-x86-64.so.2", "/usr/bin/python3.11", "/usr/lib/python3.11"]:
    try:
        st = os.stat(path)
    except OSError as err:
        say("blocked stat", path, err.strerror)
        continue
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.close(fd)
        escaped("opened for writing", path)
    except OSError as err:
        say("blocked open-for-write", path, err.strerror)
    for what, call in [("chmod", lambda: os.chmod(path, st.st_mode & 0o7777)),
                       ("chown", lambda: os.chown(path, st.st_uid, st.st_gid)),
                       ("utime", lambda: os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns)))]:
        try:
            call()
            escaped(what, path)
        except OSError as err:
            say("blocked", what, path, err.strerror)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
