# Question: Show the March 2024 calendar and count how many of each weekday it contains.
import calendar

cal = calendar.TextCalendar(firstweekday=calendar.MONDAY)
print(cal.formatmonth(2024, 3))

counts = {name: 0 for name in calendar.day_abbr}
for week in calendar.monthcalendar(2024, 3):
    for idx, day in enumerate(week):
        if day:
            counts[calendar.day_abbr[idx]] += 1
print("Weekday counts:", counts)
print("Leap year:", calendar.isleap(2024), "| days in Feb:", calendar.monthrange(2024, 2)[1])
