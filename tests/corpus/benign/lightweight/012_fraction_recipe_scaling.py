# Question: How do the ingredient quantities change when scaling a 4-serving recipe to 6 servings?
from fractions import Fraction

recipe = {
    "flour (cups)": Fraction(9, 4),
    "sugar (cups)": Fraction(3, 4),
    "butter (cups)": Fraction(1, 2),
    "eggs": Fraction(2),
    "vanilla (tsp)": Fraction(3, 2),
}


def pretty(q: Fraction) -> str:
    whole, rest = divmod(q.numerator, q.denominator)
    if rest == 0:
        return str(whole)
    frac = f"{rest}/{q.denominator}"
    return f"{whole} {frac}" if whole else frac


factor = Fraction(6, 4)
print(f"Scaling factor: {factor}")
for ingredient, qty in recipe.items():
    print(f"  {ingredient:<15} {pretty(qty):>6} -> {pretty(qty * factor):>6}")
