# what: io_uring_setup, userfaultfd, memfd_create + execveat of the interpreter, clone3 with CLONE_NEWUSER
# expect: ok|error
import ctypes, os, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
PY = sys.executable or "/usr/bin/python3"

def say(*a):
    print(*a, flush=True)

def sc(nr, *args):
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(nr), *(ctypes.c_long(a) if isinstance(a, int) else a for a in args))
    return ret, os.strerror(ctypes.get_errno())

params = ctypes.create_string_buffer(120)
for name, nr, args in [("io_uring_setup", 425, (8, params)), ("userfaultfd", 323, (0,)),
                       ("userfaultfd user-mode-only", 323, (1,))]:
    ret, err = sc(nr, *args)
    say(f"ESCAPED {name} fd {ret}" if ret >= 0 else f"blocked {name} {err}")
    if ret >= 0:
        os.close(ret)

clone_args = ctypes.create_string_buffer(struct.pack("<11Q", 0x10000000, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0), 88)
ret, err = sc(435, clone_args, 88)
if ret == 0:
    libc._exit(0)
say(f"ESCAPED clone3 CLONE_NEWUSER child {ret}" if ret > 0 else f"blocked clone3 {err}")
if ret > 0:
    os.waitpid(ret, 0)

fd, err = sc(319, b"probe", 0)
if fd < 0:
    say("blocked memfd_create", err)
else:
    say("note memfd_create allowed", fd)
    with open(PY, "rb") as src:
        os.write(fd, src.read())
    argv = (ctypes.c_char_p * 4)(b"python3", b"-c", b"print('ESCAPED memfd execveat')", None)
    env = (ctypes.c_char_p * 1)(None)
    try:
        child = os.fork()
    except OSError:
        child = None
    if child == 0:
        sc(322, fd, b"", argv, env, 0x1000)
        os._exit(97)
    if child:
        for _ in range(100):
            done, status = os.waitpid(child, os.WNOHANG)
            if done:
                break
            time.sleep(0.01)
        else:
            os.kill(child, 9), os.waitpid(child, 0)
            status = None
            say("ESCAPED execveat of a memfd left a running program")
        if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) != 97:
            say("ESCAPED execveat of a memfd ran, exit", os.WEXITSTATUS(status))
        elif status is not None:
            say("blocked execveat of a memfd in a child", status)
    ret, err = sc(322, fd, b"", argv, env, 0x1000)  # in-process: success replaces this process
    say("blocked execveat of a memfd", err)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
