# Question: How long was the working day on the DST change dates in New York and Berlin?
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

cases = [("America/New_York", (2024, 3, 10)), ("America/New_York", (2024, 11, 3)),
         ("Europe/Berlin", (2024, 3, 31)), ("Europe/Berlin", (2024, 10, 27))]

for tz_name, (y, m, d) in cases:
    tz = ZoneInfo(tz_name)
    midnight = datetime(y, m, d, tzinfo=tz)
    next_midnight = datetime(y, m, d, tzinfo=tz) + timedelta(days=1)
    real_hours = (next_midnight.astimezone(timezone.utc) - midnight.astimezone(timezone.utc)).total_seconds() / 3600
    print(f"{tz_name:<17} {midnight:%Y-%m-%d}: {real_hours:.0f} real hours "
          f"(offset {midnight:%z} -> {next_midnight:%z})")

ambiguous = datetime(2024, 11, 3, 1, 30, tzinfo=ZoneInfo("America/New_York"))
print("01:30 on 2024-11-03 NY, fold=0:", ambiguous.strftime("%H:%M %Z"), "| fold=1:", ambiguous.replace(fold=1).strftime("%H:%M %Z"))
