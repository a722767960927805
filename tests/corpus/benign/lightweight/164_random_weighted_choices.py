# Question: Simulate 10,000 customer plan choices with given probabilities and check the mix.
import random
from collections import Counter

random.seed(11)
plans = ["free", "basic", "pro", "enterprise"]
weights = [0.55, 0.25, 0.15, 0.05]
prices = {"free": 0, "basic": 9, "pro": 29, "enterprise": 99}

choices = random.choices(plans, weights=weights, k=10_000)
mix = Counter(choices)
for plan, w in zip(plans, weights):
    print(f"{plan:<10} expected {w:5.1%}  simulated {mix[plan] / len(choices):5.1%}")
mrr = sum(prices[c] for c in choices)
print(f"Simulated MRR: ${mrr:,}  (expected ${sum(p * w for p, w in zip(prices.values(), weights)) * 10_000:,.0f})")
print("Triangular sample:", round(random.triangular(10, 50, 20), 3), "| betavariate:", round(random.betavariate(2, 5), 4))
