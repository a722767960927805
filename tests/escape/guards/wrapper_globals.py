# held: 5
# Layer 2 probe: the builtins user code gets are wrappers; their globals and closures must not
# reach the zygote's state (its module, CONFIG, run_code, the guards module).
# Prints HELD for each check that holds, ESCAPED with what it found otherwise.
ZYGOTE_NAMES = {"CONFIG", "run_code", "guards", "lockdown", "STDERR", "TRUSTED", "USER_STR"}
# (A closure may hold the restricted `sys` module user code imports anyway: a facade whose
# type is not the module type.)
for name in ("getattr", "setattr", "delattr", "hasattr", "__import__"):
    fn = __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    found = ZYGOTE_NAMES & set(fn.__globals__)
    for cell in fn.__closure__ or ():
        value = cell.cell_contents
        if isinstance(value, dict):
            found |= ZYGOTE_NAMES & set(value)
            found |= {k for k, v in value.items() if type(v).__name__ == "module"}
        if type(value).__name__ == "module":
            found.add(value.__name__)
    print("ESCAPED" if found else "HELD", name, sorted(found))
