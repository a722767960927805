# Question: Find simple fractional approximations of common ratios (e.g. for aspect ratios and gearing).
from fractions import Fraction
import math

values = {"pi": math.pi, "sqrt(2)": math.sqrt(2), "golden ratio": (1 + math.sqrt(5)) / 2, "16:9 screen": 16 / 9, "e": math.e}

for name, x in values.items():
    approximations = [Fraction(x).limit_denominator(d) for d in (10, 100, 1000)]
    parts = ", ".join(f"{a} (err {abs(float(a) - x):.1e})" for a in approximations)
    print(f"{name:<13} {x:.6f}: {parts}")

ratio = Fraction(1920, 1080)
print("1920x1080 reduces to", ratio, "| numerator/denominator:", ratio.as_integer_ratio())
print("Sum of unit fractions 1/2+1/3+1/6 =", Fraction(1, 2) + Fraction(1, 3) + Fraction(1, 6))
