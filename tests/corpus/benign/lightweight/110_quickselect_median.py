# Question: Find the median and other order statistics of delivery times without fully sorting.
import random


def quickselect(values, k, rng):
    pivot = rng.choice(values)
    lows = [v for v in values if v < pivot]
    pivots = [v for v in values if v == pivot]
    highs = [v for v in values if v > pivot]
    if k < len(lows):
        return quickselect(lows, k, rng)
    if k < len(lows) + len(pivots):
        return pivot
    return quickselect(highs, k - len(lows) - len(pivots), rng)


rng = random.Random(17)
delivery_hours = [rng.randint(12, 96) for _ in range(1001)]
n = len(delivery_hours)
for label, k in [("min", 0), ("p25", n // 4), ("median", n // 2), ("p75", 3 * n // 4), ("max", n - 1)]:
    print(f"{label:<6} {quickselect(delivery_hours, k, rng)} h")
print("check median:", sorted(delivery_hours)[n // 2])
