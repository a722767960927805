# Question: Convert a list of distance measurements recorded in mixed units to kilometres.
from typing import Literal, cast

Unit = Literal["km", "mi", "m", "ft"]
TO_KM: dict[str, float] = {"km": 1.0, "mi": 1.609344, "m": 0.001, "ft": 0.0003048}

raw = ["12.5 km", "3 mi", "850 m", "5280 ft", "0.75 mi", "42 km"]


def parse(entry: str) -> tuple[float, Unit]:
    value, unit = entry.split()
    if unit not in TO_KM:
        raise ValueError(f"unknown unit {unit}")
    return float(value), cast(Unit, unit)


total = 0.0
for entry in raw:
    value, unit = parse(entry)
    km = value * TO_KM[unit]
    total += km
    print(f"{entry:>10} = {km:8.3f} km")
print(f"Total distance: {total:.2f} km ({total / TO_KM['mi']:.2f} mi)")
