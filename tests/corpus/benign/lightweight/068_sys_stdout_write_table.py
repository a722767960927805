# Question: Write a compact stock level table using sys.stdout.write.
import sys

stock = [("Bolts M6", 1520, 500), ("Nuts M6", 380, 500), ("Washers", 2900, 1000), ("Screws 4x40", 95, 250)]

sys.stdout.write(f"{'Item':<14}{'Qty':>6}{'Min':>6}  Status\n")
for item, qty, minimum in stock:
    status = "LOW" if qty < minimum else "ok"
    sys.stdout.write(f"{item:<14}{qty:>6}{minimum:>6}  {status}\n")
low = sum(1 for _, q, m in stock if q < m)
sys.stdout.write(f"{low} item(s) below minimum\n")
