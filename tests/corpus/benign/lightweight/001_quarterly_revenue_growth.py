# Question: How did revenue grow quarter over quarter in 2023?
revenue = {"Q1": 182_400, "Q2": 195_150, "Q3": 188_900, "Q4": 224_700}

previous = None
for quarter, amount in revenue.items():
    if previous is None:
        print(f"{quarter}: ${amount:,} (baseline)")
    else:
        growth = (amount - previous) / previous * 100
        print(f"{quarter}: ${amount:,} ({growth:+.1f}% QoQ)")
    previous = amount

total = sum(revenue.values())
print(f"Total 2023 revenue: ${total:,}")
print(f"Best quarter: {max(revenue, key=revenue.get)}")
