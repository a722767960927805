# Question: Project on-hand inventory for 30 days from planned receipts and forecast demand.
import numpy as np

rng = np.random.default_rng(15)
days = 30
demand = rng.poisson(42, days)
receipts = np.zeros(days, dtype=int)
receipts[[6, 13, 20, 27]] = 300
on_hand = 250 + np.cumsum(receipts - demand)

print("Day  Demand  Receipt  On hand")
for d in range(0, days, 3):
    print(f"{d + 1:>3}  {demand[d]:>6}  {receipts[d]:>7}  {on_hand[d]:>7}")
stockout_days = np.flatnonzero(on_hand < 0) + 1
print("Stock-out days:", stockout_days.tolist() or "none")
print("Lowest on hand:", int(on_hand.min()), "on day", int(on_hand.argmin()) + 1)
print("Average cover (days):", round(float(on_hand.mean() / demand.mean()), 1))
