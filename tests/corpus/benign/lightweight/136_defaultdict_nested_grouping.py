# Question: Build a region -> product -> month revenue tree from flat sales rows.
from collections import defaultdict
import json


def tree():
    return defaultdict(tree)


rows = [
    ("EU", "Widgets", "2024-01", 1200), ("EU", "Widgets", "2024-02", 1350),
    ("EU", "Gadgets", "2024-01", 800), ("US", "Widgets", "2024-01", 2100),
    ("US", "Gadgets", "2024-02", 950), ("US", "Gadgets", "2024-01", 700),
    ("APAC", "Widgets", "2024-02", 640),
]
revenue = tree()
totals = defaultdict(int)
for region, product, month, amount in rows:
    revenue[region][product][month] = amount
    totals[region] += amount

print(json.dumps(revenue, indent=2, sort_keys=True))
print("Totals by region:", dict(sorted(totals.items(), key=lambda kv: kv[1], reverse=True)))
