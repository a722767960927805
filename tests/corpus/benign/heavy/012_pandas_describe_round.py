# Question: Give descriptive statistics for order value and delivery days by channel.
import numpy as np
import pandas as pd

rng = np.random.default_rng(12)
n = 300
df = pd.DataFrame({
    "channel": rng.choice(["web", "app", "store"], n, p=[0.5, 0.3, 0.2]),
    "order_value": rng.gamma(2.0, 35.0, n).round(2),
    "delivery_days": rng.integers(1, 8, n),
})
print(df.describe().round(2))
print()
print(df.groupby("channel")["order_value"].describe().round(2))
print()
print(df.describe(include="object"))
