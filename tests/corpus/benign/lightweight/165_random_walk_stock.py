# Question: Simulate 250 trading days of a stock price and report drawdown statistics.
import math
import random

rng = random.Random(2024)
price = 100.0
drift, vol = 0.0003, 0.015
prices = [price]
for _ in range(250):
    price *= math.exp(drift - 0.5 * vol ** 2 + vol * rng.gauss(0, 1))
    prices.append(price)

peak = prices[0]
max_dd = 0.0
for p in prices:
    peak = max(peak, p)
    max_dd = max(max_dd, (peak - p) / peak)

returns = [b / a - 1 for a, b in zip(prices, prices[1:])]
ann_vol = (sum(r * r for r in returns) / len(returns)) ** 0.5 * math.sqrt(252)
print(f"Start 100.00, end {prices[-1]:.2f}, high {max(prices):.2f}, low {min(prices):.2f}")
print(f"Total return {prices[-1] / prices[0] - 1:+.2%}, annualized vol {ann_vol:.2%}")
print(f"Max drawdown {max_dd:.2%}")
print("Monthly closes:", [round(prices[i], 2) for i in range(21, 251, 21)])
