# held: 6
# Heavy guards with the validator off (seventh review): the heavy audit hook let any Python
# open through, so every validator bypass that reached a reader read any file. Python opens
# are confined to the runtime and INPUT_DIR (read) and OUTPUT_DIR (write).
import io

# The real import, as code past the validator could take it from the wrapper's closure.
real_import = [
    c.cell_contents for c in __import__.__closure__
    if type(c.cell_contents).__name__ == "builtin_function_or_method"
    and c.cell_contents.__name__ == "__import__"
][0]
os = real_import("os")

for path, mode in [
    ("/proc/self/environ", "rb"),
    ("/etc/passwd", "r"),
    ("../escaped.txt", "w"),
    (OUTPUT_DIR + "/../escaped.txt", "w"),
]:
    try:
        with open(path, mode) as f:
            print("ESCAPED", path, mode, f)
    except PermissionError as err:
        print("HELD", path, err)
try:
    os.symlink("/proc/self/environ", "link")
    print("ESCAPED symlink", open("link", "rb").read(40))
except PermissionError as err:
    print("HELD symlink", err)
try:
    fd = os.open("/proc/self/environ", os.O_RDONLY)
    print("ESCAPED os.open", os.read(fd, 40))
except PermissionError as err:
    print("HELD os.open", err)
with open(OUTPUT_DIR + "/ok.txt", "w") as f:
    f.write("fine")
print("wrote", open("ok.txt").read(), io.open(b"ok.txt", "rb").read())
