# what: privileged syscalls: mount, umount, unshare, setns, ptrace, chroot, pivot_root, mknod, bpf, keyctl, kexec, modules, perf, reboot, swapon, acct, settimeofday, process_vm_readv
# expect: ok|error
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
me, parent = os.getpid(), os.getppid()
targets = [p for p in dict.fromkeys((parent, 1)) if p > 0 and p != me]

def say(*a):
    print(*a, flush=True)

def attempt(name, nr, *args, undo=None):
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(nr), *(ctypes.c_long(a) if isinstance(a, int) else a for a in args))
    if ret == 0 and name.startswith("clone"):
        libc._exit(0)  # the child of a successful clone
    if ret >= 0:
        say("ESCAPED", name, "returned", ret)
        if undo:
            undo(ret)
    else:
        say("blocked", name, os.strerror(ctypes.get_errno()))

for call, args in [("setuid", (0,)), ("setgid", (0,)), ("setgroups", ([0],))]:
    try:
        getattr(os, call)(*args)
        say("note", call, "succeeded (uid 0 inside the user namespace is expected)")
    except OSError as err:
        say("note", call, err.strerror)
os.makedirs("/work/mnt", exist_ok=True)
open("/work/acct", "w").close()
for target in [b"/mnt", b"/work/mnt"]:
    attempt(f"mount tmpfs {target}", 165, b"tmpfs", target, b"tmpfs", 0, None, undo=lambda _, t=target: libc.umount2(t, 2))
attempt("mount proc", 165, b"proc", b"/work/mnt", b"proc", 0, None, undo=lambda _: libc.umount2(b"/work/mnt", 2))
attempt("bind mount /", 165, b"/", b"/work/mnt", None, 4096 | 16384, None, undo=lambda _: libc.umount2(b"/work/mnt", 2))
attempt("remount runtime read-write", 165, None, b"/usr/lib/python3.11", None, 32 | 4096, None)
attempt("umount2 runtime", 166, b"/usr/lib/python3.11", 2)
attempt("mknod char 1:3", 133, b"/work/probe_null", 0o20666, 0x103, undo=lambda _: os.unlink("/work/probe_null"))
attempt("mknod block 8:0", 133, b"/work/probe_sda", 0o60600, 0x800, undo=lambda _: os.unlink("/work/probe_sda"))
bpf_attr = ctypes.create_string_buffer(struct.pack("<IIII", 2, 4, 4, 1), 72)
attempt("bpf map_create", 321, 0, bpf_attr, 72, undo=os.close)
attempt("keyctl get session keyring", 250, 0, -3, 1)
attempt("add_key", 248, b"user", b"pyexec-probe", b"x", 1, -3)
attempt("kexec_load", 246, 0, 0, None, 0)
attempt("init_module", 175, None, 0, b"")
attempt("finit_module", 313, 0, b"", 0)
perf_attr = ctypes.create_string_buffer(struct.pack("<IIQQQQQ", 1, 64, 0, 0, 0, 0, 1 | 32 | 64), 64)
attempt("perf_event_open", 298, perf_attr, 0, -1, -1, 0, undo=os.close)
attempt("reboot cad_off", 169, 0xfee1dead, 672274793, 0, None)
attempt("swapon", 167, b"/work/acct", 0)
attempt("acct", 163, b"/work/acct", undo=lambda _: libc.syscall(ctypes.c_long(163), None))
now = ctypes.create_string_buffer(16)
libc.gettimeofday(now, None)
attempt("settimeofday (same time)", 164, now, None)
for pid in targets:
    buf = ctypes.create_string_buffer(8)
    remote_addr = ctypes.cast(libc.getpid, ctypes.c_void_p).value  # mapped alike in a forking parent
    local = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 8)
    remote = (ctypes.c_void_p * 2)(remote_addr, 8)
    attempt(f"process_vm_readv {pid}", 310, pid, local, 1, remote, 1, 0)
    if ctypes.get_errno() == 14:  # EFAULT comes after the access check: only the address was wrong
        say("ESCAPED process_vm_readv passed the access check on pid", pid)
    attempt(f"ptrace attach {pid}", 101, 16, pid, 0, 0,
            undo=lambda _, p=pid: (os.waitpid(p, 0x40000000), libc.ptrace(17, p, 0, 0), os.kill(p, 18)))
    pidfd = libc.syscall(ctypes.c_long(434), ctypes.c_long(pid), ctypes.c_long(0))
    if pidfd >= 0:
        attempt(f"setns mnt+user of {pid}", 308, pidfd, 0x20000 | 0x10000000)
        attempt(f"setns mnt of {pid}", 308, pidfd, 0x20000)
        os.close(pidfd)
    for ns in ("mnt", "user", "net", "pid"):
        try:
            nsfd = os.open(f"/proc/{pid}/ns/{ns}", os.O_RDONLY)
            attempt(f"setns /proc/{pid}/ns/{ns}", 308, nsfd, 0)
            os.close(nsfd)
        except OSError as err:
            say("blocked open", f"/proc/{pid}/ns/{ns}", err.strerror)
say("note clearing no_new_privs returned", libc.prctl(38, 0, 0, 0, 0), os.strerror(ctypes.get_errno()))
say("note no_new_privs", libc.prctl(39, 0, 0, 0, 0), "cap_sys_admin in bounding set", libc.prctl(23, 21, 0, 0, 0))
# Disruptive ones last: they change this process if they work.
attempt("clone CLONE_NEWUSER", 56, 0x10000000 | 17, 0, 0, 0, 0, undo=lambda pid: os.waitpid(pid, 0))
for flag, label in [(0x10000000, "user"), (0x20000, "mount"), (0x40000000, "net"), (0x20000000, "pid"),
                    (0x08000000, "ipc"), (0x04000000, "uts"), (0x02000000, "cgroup")]:
    attempt(f"unshare {label}", 272, flag)
attempt("chroot /work", 161, b"/work")
attempt("pivot_root", 155, b".", b".")
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
