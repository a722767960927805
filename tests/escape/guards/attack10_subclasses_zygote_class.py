# held: 1
# Layer 2 probe (eighth review): object.__subclasses__() lists the classes the zygote defined
# (Prepared); a method's __globals__ was the zygote's module namespace (CONFIG, TRUSTED, the
# guards module, the real builtins). The zygote's namespace is emptied before the program runs.
found = False
for c in object.__subclasses__():
    if c.__name__ == "Prepared":
        g = c.__init__.__globals__
        names = sorted(k for k in g if not k.startswith("__"))
        if names:
            print("ESCAPED zygote globals:", names[:20])
        else:
            print("HELD the zygote's namespace is empty")
        found = True
        break
if not found:
    print("HELD no Prepared class")
