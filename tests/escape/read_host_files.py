# what: reading host files: /etc, /root, /home, /proc, /sys, /var, /tmp, ../ paths, symlinks, inherited directory fds
# expect: ok|error
import os, stat

def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)

def grab(path, how="path"):
    try:
        if os.path.isdir(path):
            entries = os.listdir(path)
            if entries:
                print("ESCAPED listed", how, path, entries[:5], flush=True)
            else:
                say("blocked", how, path, "empty listing")
            return
        with open(path, "rb") as f:
            data = f.read(64)
        if data:
            print("ESCAPED read", how, path, data[:24], flush=True)
        else:
            say("blocked", how, path, "empty")
    except OSError as err:
        say("blocked", how, path, err.strerror)

for path in ["/etc/passwd", "/etc/shadow", "/etc/hostname", "/etc/hosts", "/root", "/root/.bash_history",
             "/home", "/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline", "/sys/kernel", "/sys",
             "/var/log", "/var/run", "/run", "/tmp", "/mnt", "/opt", "/srv", "/boot",
             "/work/../etc/passwd", "../../etc/passwd", "../../../../../etc/passwd",
             "/usr/lib/python3.11/../../../etc/passwd", "/dev/../etc/passwd", "/usr/../home"]:
    grab(path)
    try:
        st = os.stat(path)
        say("note stat succeeded", path, oct(st.st_mode))
    except OSError as err:
        say("blocked stat", path, err.strerror)

for i, target in enumerate(["/etc/passwd", "../etc/passwd", "/proc/1/root/etc/passwd", "/usr/../etc/shadow", "/home"]):
    link = f"/work/probe_link_{i}"
    try:
        os.symlink(target, link)
        grab(link, "symlink->" + target)
    except OSError as err:
        say("blocked symlink", target, err.strerror)
try:
    os.link("/etc/passwd", "/work/probe_hardlink")
    grab("/work/probe_hardlink", "hardlink")
except OSError as err:
    say("blocked hardlink", err.strerror)

# Directory descriptors inherited from the launcher could be used to climb out with openat(fd, "..").
known = set()
for d in ["/", "/work", "/usr", "/usr/lib", "/usr/bin", "/usr/lib/python3.11", "/usr/lib/x86_64-linux-gnu", "/lib64", "/dev"]:
    try:
        st = os.stat(d)
        known.add((st.st_dev, st.st_ino))
    except OSError:
        pass
for fd in range(3, 256):
    try:
        st = os.fstat(fd)
    except OSError:
        continue
    say("note inherited fd", fd, oct(st.st_mode))
    if stat.S_ISDIR(st.st_mode) and (st.st_dev, st.st_ino) not in known:
        try:
            print("ESCAPED inherited directory fd", fd, os.listdir(fd)[:5], flush=True)
        except OSError as err:
            say("blocked inherited fd", fd, err.strerror)
    if stat.S_ISDIR(st.st_mode):
        try:
            nfd = os.open("../../../../../etc/passwd", os.O_RDONLY, dir_fd=fd)
            print("ESCAPED read via openat on inherited fd", fd, os.read(nfd, 24), flush=True)
        except OSError as err:
            say("blocked openat climb", fd, err.strerror)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
