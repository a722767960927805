# what: persistence through sys.path: sitecustomize/usercustomize/.pth/shadowing modules in every sys.path entry
# expect: ok|error
import os, sys, site

def say(*a):
    print(*(str(x).replace("ESCAPED", "<marker>") for x in a), flush=True)

entries = list(sys.path) + ["/usr/lib/python3.11", "/usr/lib/python3.11/site-packages", "/usr/lib/python3/dist-packages",
                            "/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3.11/lib-dynload"]
try:
    entries += site.getsitepackages() + [site.getusersitepackages()]
except Exception as err:
    say("note site", type(err).__name__)
names = ["sitecustomize.py", "usercustomize.py", "pyexec_probe.pth", "json.py", "__pycache__/os.cpython-311.pyc"]
for entry in dict.fromkeys(os.path.abspath(e or ".") for e in entries):
    inside_work = entry == "/work" or entry.startswith("/work/")
    for name in names:
        path = os.path.join(entry, name)
        try:
            if os.path.exists(path):
                fd = os.open(path, os.O_WRONLY | os.O_APPEND)  # never modify an existing file
                created = False
            else:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.write(fd, b"pass\n")
                created = True
            os.close(fd)
            if inside_work:
                say("note writable inside the work folder", path)
            else:
                print("ESCAPED writable sys.path file", path, flush=True)
            if created:
                os.unlink(path)
        except OSError as err:
            say("blocked", path, err.strerror)

# A marker module in the work folder is allowed; it must simply not outlive the execution.
with open("/work/pyexec_probe_marker_mod.py", "w") as f:
    f.write("VALUE = 42\n")
sys.path.insert(0, "/work")
import pyexec_probe_marker_mod
say("note marker module importable from /work:", pyexec_probe_marker_mod.VALUE)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
