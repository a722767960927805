# Question: Map order dates to fiscal quarters for a fiscal year starting in April.
from datetime import date

FISCAL_START_MONTH = 4


def fiscal_period(d: date):
    shifted = (d.month - FISCAL_START_MONTH) % 12
    fiscal_year = d.year + 1 if d.month >= FISCAL_START_MONTH else d.year
    return f"FY{fiscal_year % 100:02d}", f"Q{shifted // 3 + 1}"


orders = [date(2024, 1, 15), date(2024, 3, 31), date(2024, 4, 1), date(2024, 7, 19), date(2024, 10, 2), date(2024, 12, 24), date(2025, 2, 28)]
totals = {}
for d, amount in zip(orders, [500, 250, 900, 430, 1200, 760, 310]):
    fy, q = fiscal_period(d)
    totals[(fy, q)] = totals.get((fy, q), 0) + amount
    print(f"{d:%d %b %Y} -> {fy} {q}")
print("Totals:", {f"{fy} {q}": v for (fy, q), v in totals.items()})
