# Question: Price a grid of options on volume discounts and find the profit-maximizing price point.
import numpy as np

prices = np.linspace(20, 60, 41)
base_demand = 5000 * np.exp(-0.045 * prices)
unit_cost = 14.0
discount = np.where(base_demand > 1500, 0.05, 0.0)
revenue = prices * (1 - discount) * base_demand
profit = revenue - unit_cost * base_demand
best = int(np.argmax(profit))
print(f"Best price ${prices[best]:.2f}: demand {base_demand[best]:.0f}, profit ${profit[best]:,.0f}")
top5 = np.argsort(profit)[::-1][:5]
for i in top5:
    print(f"  price {prices[i]:5.1f} profit {profit[i]:10,.0f}")
print("Prices with profit above 80% of max:", prices[profit > 0.8 * profit.max()].round(1).tolist())
