# Question: What is the cost of goods sold and ending inventory value under FIFO?
from collections import deque

purchases = [("2024-01-05", 100, 4.00), ("2024-01-20", 150, 4.40), ("2024-02-03", 80, 4.75)]
sales = [("2024-01-25", 120), ("2024-02-10", 140)]

layers = deque([qty, cost] for _, qty, cost in purchases)
cogs_total = 0.0
for day, qty in sales:
    cogs = 0.0
    remaining = qty
    while remaining:
        layer = layers[0]
        take = min(layer[0], remaining)
        cogs += take * layer[1]
        layer[0] -= take
        remaining -= take
        if layer[0] == 0:
            layers.popleft()
    cogs_total += cogs
    print(f"{day}: sold {qty} units, COGS ${cogs:,.2f} (avg ${cogs / qty:.3f}/unit)")

ending_units = sum(q for q, _ in layers)
ending_value = sum(q * c for q, c in layers)
print(f"Total COGS ${cogs_total:,.2f}; ending inventory {ending_units} units worth ${ending_value:,.2f}")
