# Question: What is the cheapest order to visit four client sites starting and ending at the office?
from itertools import permutations

distance = {
    ("Office", "A"): 12, ("Office", "B"): 19, ("Office", "C"): 8, ("Office", "D"): 15,
    ("A", "B"): 9, ("A", "C"): 14, ("A", "D"): 20, ("B", "C"): 11, ("B", "D"): 7, ("C", "D"): 16,
}


def d(a, b):
    return distance.get((a, b)) or distance[(b, a)]


routes = []
for order in permutations(["A", "B", "C", "D"]):
    stops = ("Office",) + order + ("Office",)
    routes.append((sum(d(x, y) for x, y in zip(stops, stops[1:])), stops))
routes.sort()
print(f"Evaluated {len(routes)} routes")
for km, stops in routes[:3]:
    print(f"  {km:>3} km: {' -> '.join(stops)}")
print(f"Worst route: {routes[-1][0]} km")
