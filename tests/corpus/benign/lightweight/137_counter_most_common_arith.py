# Question: Compare product units sold this week with last week using Counter arithmetic.
from collections import Counter

last_week = Counter(apples=120, bananas=200, cherries=45, dates=30, figs=12)
this_week = Counter(apples=135, bananas=180, cherries=60, dates=30, grapes=40)

print("Gained:", dict(sorted((this_week - last_week).items())))
print("Lost:  ", dict(sorted((last_week - this_week).items())))
combined = last_week + this_week
print("Two-week top 3:", combined.most_common(3))
print("Total units this week:", this_week.total())
print("Items sold both weeks:", sorted((last_week & this_week).keys()))
print("Max of both weeks:", sorted((last_week | this_week).items()))
