# Question: Estimate a 95% bootstrap confidence interval for the mean order value.
import numpy as np
import pandas as pd

rng = np.random.default_rng(2025)
orders = pd.Series(rng.lognormal(3.8, 0.6, 400).round(2), name="order_value")
boot = np.array([orders.sample(frac=1, replace=True, random_state=i).mean() for i in range(500)])
low, high = np.percentile(boot, [2.5, 97.5])
print(f"n={len(orders)}, mean={orders.mean():.2f}, median={orders.median():.2f}")
print(f"95% bootstrap CI for the mean: [{low:.2f}, {high:.2f}]")
print(f"Bootstrap standard error: {boot.std(ddof=1):.3f}")
