# Question: How many days are in each year of our 2020-2030 contract, and which years are leap years?
import calendar
from datetime import date

for year in range(2020, 2031):
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    feb = calendar.monthrange(year, 2)[1]
    jan1 = calendar.day_name[date(year, 1, 1).weekday()]
    print(f"{year}: {days} days, Feb has {feb}, starts on {jan1}{'  (leap)' if calendar.isleap(year) else ''}")
print("Leap days between 2020 and 2031:", calendar.leapdays(2020, 2031))
print("Day of year for 2024-12-31:", date(2024, 12, 31).timetuple().tm_yday)
