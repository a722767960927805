# The lockdown of one execution, in one ordered sequence. Trusted code: it runs in a child the
# zygote has just forked, before that child is handed any code. Every number comes from the
# Rust side (`src/sandbox/lockdown.rs`): `static` is the pool's part (config.json), `plan` the
# part that depends on the request's limits (sent with each `prepare`).
#
# Order matters, and each step says why it comes where it does. Any failure raises: the child
# then reports the error and exits without running anything (fail closed).
import ctypes
import os
import resource

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

# Flags of the C API (stable ABI constants, the same on every Linux architecture).
CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_CAPBSET_DROP = 38, 22, 24
PR_SET_SECUREBITS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 28, 47, 4
SECCOMP_MODE_FILTER = 2
LANDLOCK_RULE_PATH_BENEATH = 1
# NOROOT | NOROOT_LOCKED | NO_SETUID_FIXUP | NO_SETUID_FIXUP_LOCKED | KEEP_CAPS_LOCKED
SECUREBITS_LOCKED = 0x2F
CAPABILITY_VERSION_3 = 0x20080522


def check(ret, what):
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


class PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def lock_down(static, plan, seccomp_program, keep):
    """Applies every layer of the execution to the calling process, in this order. `keep` are
    the descriptors the execution holds on to besides 0, 1 and 2."""
    # 1. A private /work. A mount namespace of our own first (mounts must not reach the
    #    zygote or the next execution), then a size-capped tmpfs: nothing written here
    #    outlives this process, and nothing of an earlier execution is visible. First, because
    #    mounting needs the capabilities step 6 drops.
    if static["private_work"]:
        check(libc.unshare(CLONE_NEWNS), "unshare mount namespace")
        check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
        check(libc.mount(b"tmpfs", b"/work", b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                         plan["work_tmpfs"].encode()), "mount work folder")
    os.chdir("/work")
    # 2. The execution's cgroup (memory, pids, cpu), before anything can allocate or fork, so
    #    that every byte and process of the execution is counted and limited.
    for fd in static["cgroup_fds"]:
        os.write(fd, b"0")
    # 3. Every resource limit, set explicitly (none inherited from the zygote), while we may
    #    still lower hard limits freely.
    for which, soft, hard in plan["rlimits"]:
        resource.setrlimit(which, (soft, hard))
    # 4-5. no_new_privs, then landlock: files (read-only runtime, the work folder, the device
    #    nodes), TCP, and, from ABI 6, signals and abstract unix sockets scoped to ourselves.
    #    landlock_restrict_self needs no_new_privs (we have no CAP_SYS_ADMIN to skip it), and
    #    it must come before seccomp, which refuses the landlock syscalls.
    landlock(static["syscalls"], static["landlock"])
    # 6. Capabilities: every one dropped from all sets and the bounding set, securebits locked,
    #    so nothing (not even a setuid binary, which landlock also refuses) brings them back.
    drop_capabilities(static["syscalls"])
    # 7. Every other descriptor closed (the cgroup files, anything inherited from the
    #    zygote): before seccomp, which refuses close_range (Python would then close 65,536
    #    descriptors one by one).
    low, high = sorted(keep)
    os.closerange(3, low)
    os.closerange(low + 1, high)
    os.closerange(high + 1, 1 << 16)
    # 8. seccomp last: it refuses prctl, mount and the landlock calls the steps above need.
    prog = SockFprog(len(seccomp_program) // 8, seccomp_program)
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "seccomp")


def landlock(syscalls, rules):
    ruleset_attr = RulesetAttr(rules["handled_fs"], rules["handled_net"], rules["scoped"])
    ruleset = check(libc.syscall(syscalls["landlock_create_ruleset"], ctypes.byref(ruleset_attr),
                                 ctypes.c_size_t(rules["attr_size"]), ctypes.c_uint32(0)), "landlock ruleset")
    try:
        handled = rules["handled_fs"]
        for paths, access in ((rules["read_paths"], rules["read"]), (rules["write_paths"], rules["write"]),
                              (rules["device_paths"], rules["device"])):
            for path in paths:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                try:
                    rights = access & handled
                    if not os.path.isdir(path):
                        rights &= rules["file_rights"]
                    rule = PathBeneath(rights, fd)
                    check(libc.syscall(syscalls["landlock_add_rule"], ruleset, LANDLOCK_RULE_PATH_BENEATH,
                                       ctypes.byref(rule), 0), f"landlock rule {path}")
                finally:
                    os.close(fd)
        check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        check(libc.syscall(syscalls["landlock_restrict_self"], ruleset, 0), "landlock restrict")
    finally:
        os.close(ruleset)


def drop_capabilities(syscalls):
    check(libc.prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED, 0, 0, 0), "securebits")
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0:
            if ctypes.get_errno() != 22 or cap < 38:  # 37 (CAP_AUDIT_READ) exists since Linux 4.1
                raise OSError(ctypes.get_errno(), f"drop capability {cap}")
            break  # EINVAL: past the kernel's last capability
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    check(libc.syscall(syscalls["capset"], ctypes.byref(header), ctypes.byref(data)), "capset")
