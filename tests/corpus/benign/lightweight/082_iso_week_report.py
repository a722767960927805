# Question: Aggregate daily sign-ups into ISO weeks.
from datetime import date, timedelta
from collections import Counter

start = date(2023, 12, 25)
signups = [14, 9, 3, 0, 22, 18, 11, 25, 30, 28, 19, 24, 12, 8, 31, 27, 29, 33, 26, 15, 10]

weekly = Counter()
for offset, count in enumerate(signups):
    iso = (start + timedelta(days=offset)).isocalendar()
    weekly[(iso.year, iso.week)] += count

for (year, week), total in sorted(weekly.items()):
    monday = date.fromisocalendar(year, week, 1)
    print(f"{year}-W{week:02d} (from {monday.isoformat()}): {total:>4} sign-ups")
