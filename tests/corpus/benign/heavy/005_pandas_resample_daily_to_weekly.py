# Question: Aggregate daily website orders into weekly and monthly totals.
import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
idx = pd.date_range("2024-01-01", "2024-03-31", freq="D")
orders = pd.Series(rng.poisson(40, len(idx)) + np.where(idx.dayofweek >= 5, 15, 0), index=idx, name="orders")

weekly = orders.resample("W-SUN").sum()
monthly = orders.resample("MS").agg(["sum", "mean", "max"]).round(1)
print("First weeks:")
print(weekly.head(5))
print()
print("Monthly:")
print(monthly)
print()
print("Weekend vs weekday average:", orders.groupby(orders.index.dayofweek >= 5).mean().round(2).rename({False: "weekday", True: "weekend"}).to_dict())
