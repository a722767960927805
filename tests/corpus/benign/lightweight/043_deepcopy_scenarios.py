# Question: Compare a base budget with optimistic and pessimistic scenarios without mutating the base.
import copy

base = {
    "revenue": {"product": 500_000, "services": 200_000},
    "costs": {"salaries": 350_000, "marketing": 80_000, "cloud": 45_000},
    "notes": ["FY2025 plan"],
}

optimistic = copy.deepcopy(base)
optimistic["revenue"]["product"] *= 1.15
optimistic["notes"].append("+15% product revenue")

pessimistic = copy.deepcopy(base)
pessimistic["revenue"]["services"] *= 0.8
pessimistic["costs"]["cloud"] *= 1.25
pessimistic["notes"].append("-20% services, +25% cloud")

shallow = copy.copy(base)
shallow["notes"].append("shared list!")


def profit(plan):
    return sum(plan["revenue"].values()) - sum(plan["costs"].values())


for name, plan in [("base", base), ("optimistic", optimistic), ("pessimistic", pessimistic)]:
    print(f"{name:<12} profit {profit(plan):>12,.0f}  notes={plan['notes']}")
print("Shallow copy shares notes list:", shallow["notes"] is base["notes"])
