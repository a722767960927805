# Question: Compute weekly gross pay with overtime and weekend premiums from timesheets.
from datetime import date, timedelta

rates = {"Ali": 22.0, "Bea": 18.5, "Cato": 27.0}
week_start = date(2024, 9, 2)
timesheets = {
    "Ali": [8, 9, 8, 10, 9, 0, 0],
    "Bea": [6, 6, 6, 6, 6, 5, 4],
    "Cato": [10, 10, 10, 10, 8, 6, 0],
}

print(f"Week of {week_start:%d %b %Y}")
print(f"{'Name':<6}{'Hours':>6}{'Regular':>10}{'OT':>9}{'Weekend':>9}{'Gross':>10}")
for name, hours in timesheets.items():
    rate = rates[name]
    weekday_hours = sum(hours[:5])
    weekend_hours = sum(h for i, h in enumerate(hours) if (week_start + timedelta(days=i)).weekday() >= 5)
    regular = min(weekday_hours, 40) * rate
    overtime = max(weekday_hours - 40, 0) * rate * 1.5
    weekend = weekend_hours * rate * 1.25
    gross = regular + overtime + weekend
    print(f"{name:<6}{sum(hours):>6}{regular:>10.2f}{overtime:>9.2f}{weekend:>9.2f}{gross:>10.2f}")
