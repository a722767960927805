# Question: Score customers on recency, frequency and monetary value, and segment them.
from datetime import date

today = date(2024, 7, 1)
customers = {
    "C01": (date(2024, 6, 28), 14, 2_340.0),
    "C02": (date(2024, 2, 11), 2, 150.0),
    "C03": (date(2024, 6, 2), 6, 820.0),
    "C04": (date(2023, 11, 20), 9, 1_900.0),
    "C05": (date(2024, 6, 20), 1, 45.0),
    "C06": (date(2024, 5, 15), 21, 4_100.0),
}


def score(value, cutoffs, reverse=False):
    s = 1 + sum(value > c for c in cutoffs)
    return 5 - s + 1 if reverse else s


segments = {}
for cid, (last, freq, money) in customers.items():
    recency_days = (today - last).days
    r = score(recency_days, [14, 30, 90, 180], reverse=True)
    f = score(freq, [1, 3, 8, 15])
    m = score(money, [100, 500, 1000, 3000])
    if r >= 4 and f >= 4:
        segment = "Champion"
    elif r >= 4:
        segment = "Recent"
    elif f >= 4:
        segment = "At risk loyal"
    else:
        segment = "Hibernating"
    segments.setdefault(segment, []).append(cid)
    print(f"{cid}: recency {recency_days:>3}d frequency {freq:>2} monetary {money:>8,.2f} -> RFM {r}{f}{m} {segment}")
print({k: v for k, v in sorted(segments.items())})
