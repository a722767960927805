# Question: What is the running account balance and the lowest point during the month?
from itertools import accumulate
import operator

opening = 2_500.00
movements = [("01", -1200.00, "rent"), ("03", 3400.00, "salary"), ("05", -85.40, "utilities"), ("09", -430.10, "groceries"),
             ("14", -2500.00, "car repair"), ("18", -96.99, "phone"), ("22", 150.00, "refund"), ("28", -1640.25, "credit card")]

balances = list(accumulate((m[1] for m in movements), initial=opening))
for (day, amount, label), balance in zip(movements, balances[1:]):
    print(f"day {day}: {amount:>+10,.2f}  {label:<12} balance {balance:>10,.2f}")
low = min(balances)
print(f"Lowest balance: {low:,.2f} | closing: {balances[-1]:,.2f}")
print("Running max outflow:", list(accumulate((-m[1] for m in movements if m[1] < 0), max)))
print("Product of growth factors:", round(list(accumulate([1.01, 1.02, 0.99, 1.03], operator.mul))[-1], 6))
