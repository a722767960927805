# held: 4
# Layer 2 probe (round 4): the audit hook let any module named with a leading underscore be
# imported, and the runtime ships CPython's test modules: _testcapi.run_in_subinterp runs code
# in a sub-interpreter that has no audit hook and the real builtins. Private modules are now
# allowed only when the standard library itself uses them (loaded before user code runs).
real_import = print.__self__.__import__
for name in ("_testcapi", "_testinternalcapi", "_xxsubinterpreters", "_ctypes"):
    try:
        module = real_import(name)
        print("ESCAPED import", name, module)
    except BaseException as err:
        print("HELD", name, type(err).__name__)
