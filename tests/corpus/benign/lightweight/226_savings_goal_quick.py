# Question: How many months of saving $450/month at 4% APR does it take to reach $10,000?
balance, month = 0.0, 0
while balance < 10_000:
    balance = balance * (1 + 0.04 / 12) + 450
    month += 1
print(f"Goal reached after {month} months with ${balance:,.2f}")
