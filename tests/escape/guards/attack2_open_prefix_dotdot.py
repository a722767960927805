# held: 3
# Layer 2 probe: the audit hook lets `open` through for paths that *start with* a runtime folder (/usr/lib/python3, /lib/python3, /usr/share/zoneinfo/), without normalising them: "/usr/share/zoneinfo/../../../dev/zero" passes the check and the kernel resolves it outside the runtime. (Any outcome but the hook's PermissionError means the hook let the open through; zoneinfo.reset_tzpath reaches the same open from validated code.)
import io

for path in [
    "/usr/share/zoneinfo/../../../dev/zero",
    "/lib/python3.11/../../dev/urandom",
    "/usr/lib/python3.11/../../../dev/null",
]:
    try:
        with io.open(path, "rb") as stream:
            print("ESCAPED open of", path, stream.read(8))
    except PermissionError as err:
        if "blocked by the sandbox" in str(err):
            print("HELD", path, "refused by the hook")
        else:
            print(f"ESCAPED the hook let {path} through (the OS refused it: {err.errno})")
    except BaseException as err:
        print(f"ESCAPED the hook let {path} through (the OS said {type(err).__name__})")
