# Question: What were the longest streaks of consecutive days with sales above target?
from datetime import date, timedelta
from itertools import groupby

start = date(2024, 5, 1)
daily = [1200, 1350, 980, 1500, 1620, 1410, 1100, 900, 1300, 1450, 1520, 1600, 1250, 870]
target = 1200

flags = [(start + timedelta(days=i), amount >= target) for i, amount in enumerate(daily)]
streaks = []
for above, group in groupby(flags, key=lambda pair: pair[1]):
    days = [d for d, _ in group]
    if above:
        streaks.append((days[0], days[-1], len(days)))

for first, last, length in sorted(streaks, key=lambda s: -s[2]):
    print(f"{first:%b %d} - {last:%b %d}: {length} day(s) at or above {target}")
