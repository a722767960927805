# Question: Rank sales reps by region and then by revenue, and list each rep's best month.
from operator import attrgetter, itemgetter
from dataclasses import dataclass


@dataclass
class Rep:
    name: str
    region: str
    revenue: float
    monthly: dict


reps = [
    Rep("Kim", "West", 182_000, {"Jan": 50_000, "Feb": 70_000, "Mar": 62_000}),
    Rep("Lee", "East", 205_500, {"Jan": 80_500, "Feb": 60_000, "Mar": 65_000}),
    Rep("Max", "West", 199_900, {"Jan": 61_000, "Feb": 68_900, "Mar": 70_000}),
    Rep("Noor", "East", 174_250, {"Jan": 58_250, "Feb": 57_000, "Mar": 59_000}),
]

reps.sort(key=attrgetter("revenue"), reverse=True)
reps.sort(key=attrgetter("region"))  # stable sort keeps revenue order inside a region
for rep in reps:
    best_month, best_value = max(rep.monthly.items(), key=itemgetter(1))
    print(f"{rep.region:<5} {rep.name:<5} ${rep.revenue:>9,.0f}  best month {best_month} (${best_value:,})")

get_fields = attrgetter("name", "region")
print([get_fields(r) for r in reps])
