# Question: What is the 3-day moving average of daily sales?
from collections import deque

daily_sales = [120, 135, 128, 150, 170, 165, 140, 155, 180, 190]
window = deque(maxlen=3)

print("Day  Sales  3-day MA")
for day, sales in enumerate(daily_sales, start=1):
    window.append(sales)
    if len(window) == window.maxlen:
        avg = sum(window) / len(window)
        print(f"{day:>3}  {sales:>5}  {avg:>8.2f}")
    else:
        print(f"{day:>3}  {sales:>5}  {'-':>8}")
