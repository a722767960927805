# held: 4
# Layer 2 probe: what the standard library may do internally (namedtuple and dataclass build
# code; typing and enum read the caller's module name) cannot be steered into running code or
# handing out the zygote's state.
from collections import namedtuple
from dataclasses import make_dataclass
import typing

for label, make in [
    ("namedtuple name", lambda: namedtuple("X); import os; (", "a b")),
    ("namedtuple field", lambda: namedtuple("X", ["a=print('ESCAPED namedtuple')"])),
    ("make_dataclass field", lambda: make_dataclass("X", ["a=print('ESCAPED dataclass')"])),
]:
    try:
        make()
        print("ESCAPED", label)
    except BaseException as err:
        print("HELD", label, type(err).__name__)

class Config:
    value: "CONFIG"
try:
    hints = typing.get_type_hints(Config)
    print("ESCAPED get_type_hints", hints)
except BaseException as err:
    print("HELD get_type_hints", type(err).__name__)
