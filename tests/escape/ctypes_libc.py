# what: libc system/popen/execve, fork+execve in a child, raw SYS_execve and SYS_execveat through ctypes
# expect: ok|error
import ctypes, os, sys, time
PY = (sys.executable or "/usr/bin/python3").encode()
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.fork.restype = ctypes.c_int

def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)

def argv(marker):
    return (ctypes.c_char_p * 4)(PY, b"-c", f"print('ESCAPED {marker}')".encode(), None)

env = (ctypes.c_char_p * 1)(None)

# system() and popen() run /bin/sh; the marker is only printed if the shell really ran.
say("system returned", libc.system(b"echo ESCAPED libc-system"), ctypes.get_errno())
libc.popen.restype = ctypes.c_void_p
stream = libc.popen(b"echo ESCAPED libc-popen", b"w")
if stream:
    say("popen stream status", libc.pclose(ctypes.c_void_p(stream)))
else:
    say("blocked popen", ctypes.get_errno())

# fork + execve in the child; the child exits 97 if exec failed.
pid = libc.fork()
if pid == 0:
    libc.execve(PY, argv("fork-execve"), env)
    libc._exit(97)
if pid < 0:
    say("blocked libc fork", os.strerror(ctypes.get_errno()))
else:
    for _ in range(100):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        print("ESCAPED forked child was replaced by a running program", flush=True)
        status = None
    if status is not None:
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 97:
            say("blocked fork+execve")
        elif os.WIFEXITED(status):
            print("ESCAPED fork+execve child ran a program, exit", os.WEXITSTATUS(status), flush=True)
        else:
            say("blocked fork+execve child killed by signal", os.WTERMSIG(status))

# In-process: success replaces this process with one that prints the marker.
ret = libc.syscall(ctypes.c_long(59), PY, argv("SYS_execve"), env)
say("blocked SYS_execve", ret, os.strerror(ctypes.get_errno()))
ret = libc.syscall(ctypes.c_long(322), ctypes.c_long(-100), PY, argv("SYS_execveat"), env, ctypes.c_long(0))
say("blocked SYS_execveat", ret, os.strerror(ctypes.get_errno()))
try:
    fd = os.open(PY, os.O_RDONLY)
except OSError as err:
    say("blocked open of the interpreter for execveat", PY, err.strerror)
    fd = None
if fd is not None:
    ret = libc.syscall(ctypes.c_long(322), ctypes.c_long(fd), b"", argv("SYS_execveat-fd"), env, ctypes.c_long(0x1000))
    say("blocked SYS_execveat on fd", ret, os.strerror(ctypes.get_errno()))
ret = libc.execve(PY, argv("libc-execve"), env)
say("blocked libc execve", ret, os.strerror(ctypes.get_errno()))
ret = libc.execl(b"/bin/sh", b"sh", b"-c", b"echo ESCAPED libc-execl", None)
say("blocked libc execl", ret, os.strerror(ctypes.get_errno()))
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
