# Question: Which marketing inputs correlate most with weekly revenue?
import numpy as np
import pandas as pd

rng = np.random.default_rng(77)
n = 52
df = pd.DataFrame({
    "tv": rng.uniform(0, 50, n),
    "search": rng.uniform(5, 30, n),
    "social": rng.uniform(0, 20, n),
    "discount_pct": rng.uniform(0, 0.3, n),
})
df["revenue"] = 200 + 2.1 * df["tv"] + 4.0 * df["search"] + 0.5 * df["social"] + 300 * df["discount_pct"] + rng.normal(0, 25, n)
corr = df.corr().round(3)
print(corr)
print()
print("Ranked by correlation with revenue:")
print(corr["revenue"].drop("revenue").sort_values(ascending=False))
