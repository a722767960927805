# Question: Convert free-text task durations ("1h 30m", "2 days", "45 min") into hours and sum them.
import re

entries = ["1h 30m", "2 days", "45 min", "3h", "1d 4h", "90s", "2 hours 15 minutes", "half a day"]
units = {"d": 24.0, "day": 24.0, "days": 24.0, "h": 1.0, "hour": 1.0, "hours": 1.0,
         "m": 1 / 60, "min": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60, "s": 1 / 3600}
token = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")


def hours(text):
    matches = token.findall(text.lower())
    if not matches or any(u not in units for _, u in matches):
        return None
    return sum(float(n) * units[u] for n, u in matches)


total = 0.0
for entry in entries:
    h = hours(entry)
    if h is None:
        print(f"{entry!r:<22} -> unrecognised")
    else:
        total += h
        print(f"{entry!r:<22} -> {h:7.3f} h")
print(f"Total: {total:.2f} hours = {total / 8:.2f} working days")
