# Question: Fill the missing days in a daily metric series using forward fill and linear interpolation.
from datetime import date, timedelta

observed = {date(2024, 4, 1): 120.0, date(2024, 4, 2): 124.0, date(2024, 4, 5): 130.0, date(2024, 4, 6): 129.0, date(2024, 4, 9): 141.0}

start, end = min(observed), max(observed)
days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
known = sorted(observed)

print(f"{'Date':<12}{'Raw':>8}{'FFill':>8}{'Interp':>8}")
last = None
for d in days:
    raw = observed.get(d)
    if raw is not None:
        last = raw
        interp = raw
    else:
        before = max(k for k in known if k < d)
        after = min(k for k in known if k > d)
        frac = (d - before).days / (after - before).days
        interp = observed[before] + frac * (observed[after] - observed[before])
    print(f"{d.isoformat():<12}{raw if raw is not None else '-':>8}{last:>8.1f}{interp:>8.2f}")
print(f"Missing days filled: {len(days) - len(observed)}")
