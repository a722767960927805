# Question: How has the 20-day rolling correlation between two stocks changed?
import numpy as np
import pandas as pd

rng = np.random.default_rng(21)
n = 120
common = rng.normal(0, 0.01, n)
a = common + rng.normal(0, 0.008, n)
b = np.where(np.arange(n) < 60, 0.3, 1.0) * common + rng.normal(0, 0.008, n)
returns = pd.DataFrame({"A": a, "B": b}, index=pd.bdate_range("2024-01-01", periods=n))
roll = returns["A"].rolling(20).corr(returns["B"]).dropna()
print(roll.resample("ME").mean().round(3))
print("First half corr:", round(returns.iloc[:60].corr().iloc[0, 1], 3), "| second half:", round(returns.iloc[60:].corr().iloc[0, 1], 3))
