# held: 1
# Layer 2 probe: only make_dataclass checks field names are identifiers; @dataclass takes them from the class's __annotations__ dict, whose keys may be any string. A key that closes the f-string of __repr__'s body and dedents is compiled and run by _create_fn at its trusted exec site (called by dataclasses itself, as the rule requires): any text, compiled from the user's string.
from dataclasses import dataclass

ran = []
PAYLOAD = "a\"\n ran.append('field-name text compiled and run')\n #"
try:
    @dataclass(init=False, eq=False)
    class C:
        """doc"""
        __annotations__ = {PAYLOAD: int}
except BaseException as err:
    print("HELD dataclass refused the field name:", type(err).__name__)
else:
    print(f"ESCAPED dataclass field name: {ran[0]}" if ran else "HELD dataclass field name: nothing ran")
