# Question: What does the amortization schedule look like for a 12-month loan of $15,000 at 6.5% APR?
from decimal import Decimal, ROUND_HALF_UP

principal = Decimal("15000.00")
annual_rate = Decimal("0.065")
months = 12
cent = Decimal("0.01")

r = annual_rate / 12
payment = (principal * r / (1 - (1 + r) ** -months)).quantize(cent, rounding=ROUND_HALF_UP)
print(f"Monthly payment: ${payment}")
print(f"{'Month':>5} {'Interest':>10} {'Principal':>10} {'Balance':>11}")

balance = principal
total_interest = Decimal("0")
for month in range(1, months + 1):
    interest = (balance * r).quantize(cent, rounding=ROUND_HALF_UP)
    principal_part = payment - interest
    if month == months:
        principal_part = balance
    balance -= principal_part
    total_interest += interest
    print(f"{month:>5} {interest:>10} {principal_part:>10} {balance:>11}")

print(f"Total interest paid: ${total_interest}")
