# Question: Normalize event timestamps with fixed UTC offsets and find the order they happened in.
from datetime import datetime, timezone, timedelta

events = [
    ("checkout", "2024-02-10T09:15:00+05:30"),
    ("payment", "2024-02-10T04:50:00+00:00"),
    ("refund", "2024-02-09T23:59:00-05:00"),
    ("login", "2024-02-10T13:00:00+09:00"),
]

parsed = [(name, datetime.fromisoformat(stamp)) for name, stamp in events]
for name, ts in sorted(parsed, key=lambda p: p[1]):
    utc = ts.astimezone(timezone.utc)
    print(f"{name:<9} local {ts.isoformat()}  utc {utc:%Y-%m-%d %H:%M}Z")

ist = timezone(timedelta(hours=5, minutes=30), "IST")
first = min(p[1] for p in parsed)
print("Earliest event in IST:", first.astimezone(ist).strftime("%Y-%m-%d %H:%M %Z"))
span = max(p[1] for p in parsed) - first
print("Span between first and last:", span)
