# Question: How many business days are there between two project milestones, excluding holidays?
from datetime import date, timedelta

start = date(2024, 3, 1)
end = date(2024, 4, 30)
holidays = {date(2024, 3, 29), date(2024, 4, 1)}

business_days = 0
current = start
while current <= end:
    if current.weekday() < 5 and current not in holidays:
        business_days += 1
    current += timedelta(days=1)

print(f"From {start.isoformat()} to {end.isoformat()}")
print(f"Calendar days: {(end - start).days + 1}")
print(f"Business days (excluding {len(holidays)} holidays): {business_days}")
for h in sorted(holidays):
    print(f"  holiday: {h:%A %d %B %Y}")
