# what: snooping the environment and /proc/*/environ for credentials and service configuration
# expect: ok|error
import os

def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)

WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "AZURE", "AWS", "OPENAI", "PYEXEC", "CONNECTION",
         "DATABASE", "POSTGRES", "RABBIT", "AMQP", "CREDENTIAL", "AUTH")
say("environment keys", sorted(os.environ))
for key in os.environb:
    name = key.decode(errors="replace")
    if any(w in name.upper() for w in WORDS):
        print("ESCAPED suspicious environment variable", name, flush=True)
if len(os.environ) > 8:
    say("note more environment variables than expected:", len(os.environ))

pids = ["self", "1", str(os.getppid()), "thread-self"]
for pid in dict.fromkeys(pids):
    for name in ("environ", "cmdline"):
        path = f"/proc/{pid}/{name}"
        try:
            with open(path, "rb") as f:
                data = f.read(4096)
            if data:
                print("ESCAPED read", path, data[:60], flush=True)
            else:
                say("blocked", path, "empty")
        except OSError as err:
            say("blocked", path, err.strerror)

for path in ["/etc/environment", "/work/../.env", "/.env", "/run/secrets", "/var/run/secrets/kubernetes.io"]:
    try:
        data = os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(200)
        if data:
            print("ESCAPED read", path, str(data)[:60], flush=True)
    except OSError as err:
        say("blocked", path, err.strerror)
say("note uname", os.uname().nodename, os.uname().release, "uid", os.getuid(), "gid", os.getgid())
try:
    say("note groups", os.getgroups())
except OSError as err:
    say("blocked getgroups", err.strerror)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
