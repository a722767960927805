# Question: Compute each rep's commission under a tiered (marginal) commission plan.
import bisect

tiers = [(0, 0.02), (50_000, 0.04), (100_000, 0.06), (200_000, 0.08)]
thresholds = [t for t, _ in tiers]


def commission(sales):
    total = 0.0
    for i, (start, rate) in enumerate(tiers):
        end = tiers[i + 1][0] if i + 1 < len(tiers) else float("inf")
        if sales > start:
            total += (min(sales, end) - start) * rate
    return total


reps = {"Amara": 42_000, "Boris": 88_500, "Chen": 150_000, "Dolores": 260_000, "Emeka": 100_000}
for rep, sales in sorted(reps.items(), key=lambda kv: kv[1]):
    tier = bisect.bisect_right(thresholds, sales)
    c = commission(sales)
    print(f"{rep:<8} sales ${sales:>8,}  top tier {tier}  commission ${c:>9,.2f}  effective {c / sales:.2%}")
