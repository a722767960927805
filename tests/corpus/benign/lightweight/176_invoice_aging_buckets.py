# Question: Age the open invoices into 0-30, 31-60, 61-90 and 90+ day buckets.
from datetime import date
from collections import OrderedDict

as_of = date(2024, 8, 31)
invoices = [
    ("INV-101", "Acme", date(2024, 8, 20), 1200.0), ("INV-087", "Acme", date(2024, 6, 5), 450.0),
    ("INV-095", "Birch", date(2024, 7, 18), 3100.0), ("INV-060", "Birch", date(2024, 3, 1), 780.0),
    ("INV-099", "Cobalt", date(2024, 7, 31), 640.0), ("INV-103", "Cobalt", date(2024, 8, 30), 90.0),
]
buckets = OrderedDict([("0-30", 30), ("31-60", 60), ("61-90", 90), ("90+", 10**6)])

table = {}
for number, customer, due, amount in invoices:
    age = (as_of - due).days
    bucket = next(name for name, limit in buckets.items() if age <= limit)
    table.setdefault(customer, dict.fromkeys(buckets, 0.0))[bucket] += amount

print(f"{'Customer':<9}" + "".join(f"{b:>10}" for b in buckets) + f"{'Total':>10}")
for customer, row in table.items():
    print(f"{customer:<9}" + "".join(f"{v:>10,.2f}" for v in row.values()) + f"{sum(row.values()):>10,.2f}")
totals = {b: sum(r[b] for r in table.values()) for b in buckets}
print(f"{'All':<9}" + "".join(f"{v:>10,.2f}" for v in totals.values()) + f"{sum(totals.values()):>10,.2f}")
