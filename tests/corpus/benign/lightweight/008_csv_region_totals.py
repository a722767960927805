# Question: What are total sales and order counts per region in this CSV extract?
import csv
import io
from collections import defaultdict

data = """order_id,region,amount
1001,North,250.00
1002,South,125.50
1003,North,75.25
1004,East,310.00
1005,South,99.99
1006,West,180.00
1007,East,45.00
1008,North,130.75
"""

totals = defaultdict(float)
counts = defaultdict(int)
for row in csv.DictReader(io.StringIO(data)):
    totals[row["region"]] += float(row["amount"])
    counts[row["region"]] += 1

print(f"{'Region':<8}{'Orders':>8}{'Total':>12}{'Average':>10}")
for region in sorted(totals, key=totals.get, reverse=True):
    avg = totals[region] / counts[region]
    print(f"{region:<8}{counts[region]:>8}{totals[region]:>12.2f}{avg:>10.2f}")
print(f"{'All':<8}{sum(counts.values()):>8}{sum(totals.values()):>12.2f}")
