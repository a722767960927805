# Question: Track the weighted-average unit cost of a raw material through purchases and issues.
movements = [
    ("2024-01-02", "purchase", 500, 3.20),
    ("2024-01-10", "issue", 200, None),
    ("2024-01-15", "purchase", 300, 3.50),
    ("2024-01-22", "issue", 350, None),
    ("2024-01-28", "purchase", 400, 3.05),
    ("2024-01-31", "issue", 100, None),
]

qty, value = 0, 0.0
print(f"{'Date':<11}{'Type':<9}{'Qty':>5}{'Unit':>7}{'On hand':>9}{'Avg cost':>10}{'Value':>10}")
for day, kind, n, unit in movements:
    if kind == "purchase":
        qty += n
        value += n * unit
    else:
        avg = value / qty
        unit = avg
        qty -= n
        value -= n * avg
    print(f"{day:<11}{kind:<9}{n:>5}{unit:>7.3f}{qty:>9}{value / qty:>10.4f}{value:>10.2f}")
