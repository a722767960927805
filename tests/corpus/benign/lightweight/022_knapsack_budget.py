# Question: Which marketing campaigns should we fund to maximize expected leads within a $10k budget?
campaigns = [
    ("Search ads", 4000, 520),
    ("Social video", 3500, 410),
    ("Webinar", 2000, 260),
    ("Newsletter sponsorship", 1500, 150),
    ("Trade show booth", 6000, 640),
    ("Retargeting", 2500, 330),
]
budget = 10_000
step = 500  # costs are multiples of $500

capacity = budget // step
n = len(campaigns)
best = [[0] * (capacity + 1) for _ in range(n + 1)]
for i, (_, cost, leads) in enumerate(campaigns, start=1):
    units = cost // step
    for c in range(capacity + 1):
        best[i][c] = best[i - 1][c]
        if units <= c:
            best[i][c] = max(best[i][c], best[i - 1][c - units] + leads)

chosen = []
c = capacity
for i in range(n, 0, -1):
    if best[i][c] != best[i - 1][c]:
        chosen.append(campaigns[i - 1])
        c -= campaigns[i - 1][1] // step

print(f"Maximum expected leads: {best[n][capacity]}")
for name, cost, leads in reversed(chosen):
    print(f"  fund {name:<24} ${cost:>6,}  {leads:>4} leads")
print(f"Budget used: ${sum(c[1] for c in chosen):,} of ${budget:,}")
