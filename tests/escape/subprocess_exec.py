# what: starting programs: subprocess, os.system, os.popen, posix_spawn, spawnv, pty.spawn, execv/execve
# expect: ok|error
import os, sys
PID = os.getpid()
PY = sys.executable or "/usr/bin/python3"

def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)

def try_run(name, call):
    try:
        result = call()
        say("note", name, "returned", repr(result)[:80])
        return result
    except BaseException as err:
        if os.getpid() != PID:  # a forked child whose exec failed must never run the rest of the probe
            os._exit(127)
        say("blocked", name, type(err).__name__, err)

import subprocess
for argv in (["/bin/sh", "-c", "id"], [PY, "-c", "print('ran')"], ["python3", "-c", "print('ran')"]):
    out = try_run("subprocess " + argv[0], lambda: subprocess.run(argv, capture_output=True, timeout=1))
    if out is not None and out.returncode == 0 and out.stdout:
        print("ESCAPED subprocess ran", argv[0], out.stdout[:60], flush=True)
out = try_run("subprocess shell", lambda: subprocess.run("id", shell=True, capture_output=True, timeout=1))
if out is not None and out.returncode == 0 and out.stdout:
    print("ESCAPED subprocess shell ran", out.stdout[:60], flush=True)

# These write straight to our stdout, so the marker line only appears if the program really ran.
try_run("os.system", lambda: os.system("echo ESCAPED os.system"))
out = try_run("os.popen", lambda: os.popen("echo ran; id").read())
if out:
    print("ESCAPED os.popen ran", out[:60], flush=True)
try_run("posix_spawn", lambda: os.waitpid(os.posix_spawn(PY, [PY, "-c", "print('ESCAPED posix_spawn')"], {}), 0))
try_run("posix_spawnp", lambda: os.waitpid(os.posix_spawnp("sh", ["sh", "-c", "echo ESCAPED posix_spawnp"], {}), 0))
try_run("spawnv", lambda: os.spawnv(os.P_WAIT, PY, [PY, "-c", "print('ESCAPED spawnv')"]))
import pty
try_run("pty.spawn", lambda: pty.spawn([PY, "-c", "print('ESCAPED pty.spawn')"]))

# Last: a successful exec replaces this process with one that prints the marker.
try_run("execve", lambda: os.execve(PY, [PY, "-c", "print('ESCAPED execve')"], {}))
try_run("execv", lambda: os.execv(PY, [PY, "-c", "print('ESCAPED execv')"]))
try_run("execvp sh", lambda: os.execvp("sh", ["sh", "-c", "echo ESCAPED execvp"]))
say("blocked every way to start a program")
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
