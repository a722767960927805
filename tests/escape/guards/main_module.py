# held: 3
# Layer 2 probe: user code's `__main__` is its own module, not the zygote's; nothing in
# sys.modules is the zygote's module (reached through the real import in a wrapper's closure).
real_import = [c.cell_contents for c in __import__.__closure__ if type(c.cell_contents).__name__ == "builtin_function_or_method" and c.cell_contents.__name__ == "__import__"][0]
sys = real_import("sys")
main = sys.modules["__main__"]
print("ESCAPED main" if hasattr(main, "CONFIG") or hasattr(main, "run_code") else "HELD main")
leaks = [n for n, m in list(sys.modules.items()) if hasattr(m, "CONFIG") or hasattr(m, "install_audit_hook")]
print(f"ESCAPED modules {leaks}" if leaks else "HELD modules")
try:
    guards = real_import("guards")
    print("ESCAPED guards", guards)
except BaseException as err:
    print("HELD guards", type(err).__name__)
