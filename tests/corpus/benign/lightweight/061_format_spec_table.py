# Question: Produce an aligned monthly P&L table with thousands separators and percentages.
from datetime import date

months = [date(2024, m, 1) for m in range(1, 7)]
revenue = [84210.5, 91034.25, 88712.0, 102445.75, 99870.1, 110233.4]
costs = [61020.0, 64188.8, 66001.15, 70010.0, 69950.35, 72111.9]

print(f"{'Month':<10}{'Revenue':>14}{'Costs':>14}{'Profit':>13}{'Margin':>9}")
print("-" * 60)
for d, r, c in zip(months, revenue, costs):
    p = r - c
    print(f"{d:%b %Y}  {r:>14,.2f}{c:>14,.2f}{p:>+13,.2f}{p / r:>9.1%}")
print("-" * 60)
tr, tc = sum(revenue), sum(costs)
print(f"{'Total':<10}{tr:>14,.2f}{tc:>14,.2f}{tr - tc:>+13,.2f}{(tr - tc) / tr:>9.1%}")
print(f"{'hex id':<10}{255:>#8x} {255:08b} {3.14159:e} {'centered':^14}|")
