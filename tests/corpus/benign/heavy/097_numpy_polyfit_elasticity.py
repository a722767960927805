# Question: Estimate price elasticity of demand from log-log regression on weekly price and volume.
import numpy as np

rng = np.random.default_rng(13)
price = rng.uniform(2.5, 5.0, 40)
volume = 12_000 * price ** -1.6 * np.exp(rng.normal(0, 0.08, 40))
slope, intercept = np.polyfit(np.log(price), np.log(volume), 1)
print(f"Estimated elasticity: {slope:.3f}")
print(f"Scale constant: {np.exp(intercept):,.0f}")
for p in (3.0, 3.5, 4.0):
    v = np.exp(intercept) * p ** slope
    print(f"price {p:.2f}: volume {v:,.0f}, revenue {p * v:,.0f}")
print("Demand is", "elastic" if slope < -1 else "inelastic")
