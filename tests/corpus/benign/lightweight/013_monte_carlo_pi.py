# Question: Estimate pi with a Monte Carlo simulation and show how accuracy improves with sample size.
import math
import random

random.seed(42)
inside = 0
checkpoints = {1_000, 10_000, 50_000, 100_000}
for i in range(1, 100_001):
    x, y = random.random(), random.random()
    if x * x + y * y <= 1.0:
        inside += 1
    if i in checkpoints:
        estimate = 4 * inside / i
        print(f"n={i:>7,}  pi~{estimate:.5f}  error={abs(estimate - math.pi):.5f}")
