# Question: How many working days does each month of 2024 have after public holidays?
import calendar
from datetime import date

holidays = {date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1), date(2024, 5, 6), date(2024, 5, 27),
            date(2024, 8, 26), date(2024, 12, 25), date(2024, 12, 26)}

cal = calendar.Calendar()
total = 0
for month in range(1, 13):
    days = [d for d in cal.itermonthdates(2024, month) if d.month == month]
    working = [d for d in days if d.weekday() < 5 and d not in holidays]
    total += len(working)
    hol = sum(1 for h in holidays if h.month == month)
    print(f"{calendar.month_name[month]:<10} {len(working):>2} working days" + (f" ({hol} holiday)" if hol else ""))
print(f"Total working days in 2024: {total}")
