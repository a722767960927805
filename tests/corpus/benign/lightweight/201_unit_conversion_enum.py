# Question: Convert recipe and shipping quantities between metric and imperial units.
from enum import Enum


class Mass(Enum):
    GRAM = 1.0
    KILOGRAM = 1000.0
    OUNCE = 28.349523125
    POUND = 453.59237

    def to(self, other: "Mass", value: float) -> float:
        return value * self.value / other.value

    def __str__(self):
        return self.name.lower()


conversions = [(2.5, Mass.POUND, Mass.KILOGRAM), (500, Mass.GRAM, Mass.OUNCE), (12, Mass.OUNCE, Mass.POUND), (1.2, Mass.KILOGRAM, Mass.POUND)]
for value, src, dst in conversions:
    print(f"{value:>6} {str(src):<9} = {src.to(dst, value):>9.4f} {dst}")
print("Units available:", ", ".join(m.name for m in Mass))
print("Lookup by name:", Mass["POUND"], "| by value:", Mass(1000.0))
