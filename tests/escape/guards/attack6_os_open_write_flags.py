# held: 2
# Layer 2 probe (round 4): os.open reports its mode as None, and the hook let any flags through
# for paths under the runtime: a write, create or truncate must be refused by the hook itself,
# not only by the read-only mount.
os = print.__self__.__import__("os")
for path in ("/lib/python3.11/os.py", "/lib/python3.11/new_file_r4"):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        print("ESCAPED (hook and OS)", path, fd)
    except PermissionError as err:
        print("HELD by hook", path, err)
    except OSError as err:
        print("ESCAPED the hook, refused by the OS:", path, err)
