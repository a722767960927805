# Question: Merge overlapping meeting room bookings and find the free slots in the working day.
from datetime import datetime, timedelta

bookings = [("09:00", "10:30"), ("10:15", "11:00"), ("13:00", "14:00"), ("13:30", "15:15"), ("16:00", "16:30"), ("11:00", "11:30")]
day_start, day_end = "08:30", "18:00"


def t(s):
    return datetime.strptime(s, "%H:%M")


intervals = sorted((t(a), t(b)) for a, b in bookings)
merged = [list(intervals[0])]
for start, end in intervals[1:]:
    if start <= merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], end)
    else:
        merged.append([start, end])

print("Busy:")
for s, e in merged:
    print(f"  {s:%H:%M}-{e:%H:%M}")
print("Free:")
cursor = t(day_start)
free_total = timedelta()
for s, e in merged + [[t(day_end), t(day_end)]]:
    if s > cursor:
        print(f"  {cursor:%H:%M}-{s:%H:%M} ({int((s - cursor).total_seconds() // 60)} min)")
        free_total += s - cursor
    cursor = max(cursor, e)
print(f"Total free time: {free_total}")
