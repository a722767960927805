# Question: What is the exact probability distribution of the sum of three six-sided dice?
from collections import Counter
from fractions import Fraction
from itertools import product

outcomes = Counter(sum(roll) for roll in product(range(1, 7), repeat=3))
total = 6 ** 3
for s in sorted(outcomes):
    p = Fraction(outcomes[s], total)
    print(f"sum {s:>2}: {str(p):>7}  {float(p):.4f} {'#' * outcomes[s]}")
expected = sum(Fraction(s * c, total) for s, c in outcomes.items())
print("Expected value:", expected)
print("P(sum >= 15) =", sum(Fraction(c, total) for s, c in outcomes.items() if s >= 15))
