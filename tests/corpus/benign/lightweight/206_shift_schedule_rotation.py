# Question: Create a two-week on-call rotation cycling through engineers, skipping holidays.
from datetime import date, timedelta
from itertools import cycle

engineers = cycle(["Amir", "Bella", "Chidi", "Dagny"])
start = date(2024, 12, 16)
holidays = {date(2024, 12, 25), date(2024, 12, 26), date(2025, 1, 1)}

schedule = []
day = start
while day < start + timedelta(days=14):
    if day.weekday() < 5 and day not in holidays:
        schedule.append((day, next(engineers)))
    day += timedelta(days=1)

for d, person in schedule:
    print(f"{d:%a %d %b}: {person}")
counts = {}
for _, person in schedule:
    counts[person] = counts.get(person, 0) + 1
print("Shifts per engineer:", counts)
