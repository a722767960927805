# Question: Simulate package weights from a normal process and check how many fall outside tolerance.
import random
import statistics

random.seed(123)
target, sigma = 500.0, 4.0
weights = [random.gauss(target, sigma) for _ in range(2000)]

lower, upper = 492.0, 508.0
outside = [w for w in weights if not lower <= w <= upper]
print(f"Mean {statistics.fmean(weights):.2f} g, stdev {statistics.stdev(weights):.2f} g")
print(f"Outside [{lower}, {upper}]: {len(outside)} ({len(outside) / len(weights):.2%})")
expected = 1 - (statistics.NormalDist(target, sigma).cdf(upper) - statistics.NormalDist(target, sigma).cdf(lower))
print(f"Theoretical rate: {expected:.2%}")
q = statistics.quantiles(weights, n=4)
print("Quartiles:", [round(x, 2) for x in q])
