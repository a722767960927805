# Question: Bucket customers by age bands and by spending quartiles, and cross-tabulate.
import numpy as np
import pandas as pd

rng = np.random.default_rng(3)
df = pd.DataFrame({"age": rng.integers(18, 75, 200), "spend": rng.gamma(2.5, 40.0, 200).round(2)})
df["age_band"] = pd.cut(df["age"], bins=[17, 24, 34, 44, 54, 64, 120], labels=["18-24", "25-34", "35-44", "45-54", "55-64", "65+"])
df["spend_quartile"] = pd.qcut(df["spend"], q=4, labels=["Q1", "Q2", "Q3", "Q4"])
print(pd.crosstab(df["age_band"], df["spend_quartile"], margins=True))
print()
print(df.groupby("age_band", observed=True)["spend"].median().round(2))
