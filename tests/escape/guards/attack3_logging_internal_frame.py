# held: 1
# validator OFF: logging.findCaller hands every frame it walks to logging._is_internal_frame,
# a module global user code can rebind; the trusted currentframe() call still passes.
def attack():
    import logging
    got = []
    def spy(f):
        got.append(f)
        return False
    logging._is_internal_frame = spy
    logging.getLogger("x").warning("hi")
    f = got[0]
    while f is not None and "CONFIG" not in f.f_globals:
        f = f.f_back
    g = f.f_globals
    print("zygote globals:", sorted(k for k in g if k.isupper()))
    print("CONFIG keys:", list(g["CONFIG"])[:10])
    print("run_code locals:", list(f.f_locals))
try:
    attack()
    print('ESCAPED logging findCaller frame: the attack ran to its end')
except BaseException as err:
    print('HELD logging findCaller frame', type(err).__name__)
