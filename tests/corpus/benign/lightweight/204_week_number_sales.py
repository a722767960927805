# Question: Report sales by week number and day of year for a set of transactions.
from datetime import datetime
from collections import defaultdict

transactions = [("2024-01-01T10:00", 120), ("2024-01-03T15:30", 80), ("2024-01-08T09:10", 200),
                ("2024-01-14T18:45", 55), ("2024-01-15T11:00", 310), ("2024-01-21T20:20", 95), ("2024-01-22T08:00", 140)]

weeks = defaultdict(int)
for stamp, amount in transactions:
    dt = datetime.fromisoformat(stamp)
    weeks[dt.strftime("%G-W%V")] += amount
    print(f"{dt:%Y-%m-%d %H:%M} day-of-year {dt:%j} ISO week {dt:%V} (US week %U={dt:%U}) {dt:%a} {amount:>4}")
for week, total in weeks.items():
    print(f"{week}: {total}")
