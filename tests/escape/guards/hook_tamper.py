# held: 3
# Layer 2 probe: the audit hook's decisions cannot be changed from user code: replacing the
# real builtins it might read, or adding a hook of one's own, leaves it refusing as before.
real_import = [x.cell_contents for x in __import__.__closure__ if type(x.cell_contents).__name__ == "builtin_function_or_method" and x.cell_contents.__name__ == "__import__"][0]
builtins = real_import("sys").modules["builtins"]
builtins.isinstance = lambda *a: True
builtins.PermissionError = None
builtins.id = lambda x: 0
# A hook of one's own would be handed the arguments of every event, frames among them.
seen = []
try:
    real_import("sys").addaudithook(lambda event, args: seen.append(args))
except BaseException as err:
    print("refused addaudithook", type(err).__name__)
from collections import namedtuple
try:
    # With the builtins it pins changed, namedtuple's trusted eval is refused: fail closed.
    namedtuple("Point", "x y")
except BaseException:
    pass
print(f"ESCAPED addaudithook: saw {len(seen)} events" if seen else "HELD addaudithook")
try:
    real_import("io").open("/etc/hostname").read()
    print("ESCAPED open")
except BaseException as err:
    print("HELD open", type(err).__name__)
try:
    real_import("socket")
    print("ESCAPED import socket")
except BaseException as err:
    print("HELD import socket", type(err).__name__)
