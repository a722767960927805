# Question: Fill a weekly KPI summary template from a dictionary of computed metrics.
from collections import defaultdict

template = (
    "Week {week}: revenue {revenue:,.0f} ({change:+.1%} vs last week)\n"
    "  orders {orders}, AOV {aov:.2f}, top region {top_region}\n"
    "  owner: {owner}"
)

metrics = {"week": 23, "revenue": 412_300.0, "last_revenue": 398_750.0, "orders": 3120, "top_region": "West"}
metrics["change"] = metrics["revenue"] / metrics["last_revenue"] - 1
metrics["aov"] = metrics["revenue"] / metrics["orders"]

safe = defaultdict(lambda: "n/a", metrics)
print(template.format_map(safe))

print("{greeting}, {name}!".format_map({"greeting": "Hello", "name": "analytics team"}))
