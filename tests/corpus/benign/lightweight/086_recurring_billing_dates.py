# Question: When do monthly subscriptions that started on the 31st bill over the next year?
import calendar
from datetime import date


def add_months(d, months):
    month_index = d.month - 1 + months
    year = d.year + month_index // 12
    month = month_index % 12 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


start = date(2024, 1, 31)
print(f"Subscription start: {start:%d %B %Y}")
for i in range(1, 13):
    bill = add_months(start, i)
    note = " (shortened month)" if bill.day != start.day else ""
    print(f"  bill {i:>2}: {bill.isoformat()} {calendar.day_name[bill.weekday()]:<9}{note}")
