# what: CPython's test extension modules (_testcapi runs code in a sub-interpreter, _testinternalcapi and _ctypes_test poke at memory) are not in the sandbox's runtime, under any name or loader
# expect: ok|error
import importlib.machinery
import importlib.util
import os
import sys

found = []
for entry in sys.path + ["/usr/lib/python3.11/lib-dynload", "/lib/python3.11/lib-dynload"]:
    try:
        names = os.listdir(entry)
    except OSError:
        continue
    for name in names:
        if name.startswith(("_test", "_xx", "xx", "_ctypes_test")) and name.endswith(".so"):
            found.append(os.path.join(entry, name))
for path in found:
    module = path.rsplit("/", 1)[1].split(".")[0]
    spec = importlib.util.spec_from_file_location("probe_" + module, path)
    try:
        # Loaded under another name, as the fourth review did through _imp.create_dynamic.
        loaded = importlib.machinery.ExtensionFileLoader(module, path).create_module(spec)
        print("ESCAPED loaded", path, loaded)
    except BaseException as err:
        print("held", path, type(err).__name__)
for name in ("_testcapi", "_testinternalcapi", "_xxsubinterpreters", "_ctypes_test", "xxlimited"):
    try:
        module = importlib.import_module(name)
        print("ESCAPED imported", name, module)
    except BaseException as err:
        print("held", name, type(err).__name__)
print("PROBE-END", flush=True)
