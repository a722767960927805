# Question: Compare actual departmental spend with budget and flag variances over 10%.
budget = {"Engineering": 420_000, "Marketing": 150_000, "Sales": 210_000, "Support": 95_000, "G&A": 120_000}
actual = {"Engineering": 431_500, "Marketing": 171_200, "Sales": 198_750, "Support": 84_300, "G&A": 119_900}

rows = []
for dept in budget:
    var = actual[dept] - budget[dept]
    pct = var / budget[dept]
    rows.append((dept, budget[dept], actual[dept], var, pct))

print(f"{'Dept':<12}{'Budget':>10}{'Actual':>10}{'Variance':>11}{'%':>8}")
for dept, b, a, var, pct in sorted(rows, key=lambda r: abs(r[4]), reverse=True):
    flag = "  <-- over" if pct > 0.10 else "  <-- under" if pct < -0.10 else ""
    print(f"{dept:<12}{b:>10,}{a:>10,}{var:>+11,}{pct:>8.1%}{flag}")
tb, ta = sum(budget.values()), sum(actual.values())
print(f"{'Total':<12}{tb:>10,}{ta:>10,}{ta - tb:>+11,}{(ta - tb) / tb:>8.1%}")
