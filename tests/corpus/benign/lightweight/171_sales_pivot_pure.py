# Question: Pivot sales rows into a region x quarter table with row and column totals.
rows = [
    ("North", "Q1", 120), ("North", "Q2", 135), ("North", "Q3", 128), ("North", "Q4", 160),
    ("South", "Q1", 98), ("South", "Q2", 110), ("South", "Q4", 140),
    ("East", "Q1", 75), ("East", "Q2", 80), ("East", "Q3", 95), ("East", "Q4", 102),
    ("North", "Q1", 15), ("South", "Q3", 0),
]

regions = sorted({r for r, _, _ in rows})
quarters = sorted({q for _, q, _ in rows})
pivot = {r: {q: 0 for q in quarters} for r in regions}
for region, quarter, value in rows:
    pivot[region][quarter] += value

print(f"{'Region':<8}" + "".join(f"{q:>7}" for q in quarters) + f"{'Total':>8}")
for r in regions:
    print(f"{r:<8}" + "".join(f"{pivot[r][q]:>7}" for q in quarters) + f"{sum(pivot[r].values()):>8}")
col_totals = [sum(pivot[r][q] for r in regions) for q in quarters]
print(f"{'Total':<8}" + "".join(f"{t:>7}" for t in col_totals) + f"{sum(col_totals):>8}")
