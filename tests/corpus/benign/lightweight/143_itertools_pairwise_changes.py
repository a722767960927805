# Question: Which days saw the biggest day-over-day change in website visitors?
from itertools import pairwise

visitors = {"Mon": 4210, "Tue": 4388, "Wed": 3970, "Thu": 5120, "Fri": 5004, "Sat": 2890, "Sun": 3105}

changes = []
for (d1, v1), (d2, v2) in pairwise(visitors.items()):
    change = v2 - v1
    changes.append((d2, change, change / v1))
    print(f"{d1} -> {d2}: {change:+5d} ({change / v1:+.1%})")
biggest_up = max(changes, key=lambda c: c[1])
biggest_down = min(changes, key=lambda c: c[1])
print(f"Biggest rise: {biggest_up[0]} ({biggest_up[1]:+d}); biggest drop: {biggest_down[0]} ({biggest_down[1]:+d})")
