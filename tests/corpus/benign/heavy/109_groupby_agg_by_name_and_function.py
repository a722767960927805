# Question: Summarise sales per store with named aggregations, a helper function and string names.
import numpy as np
import pandas as pd

sales = pd.DataFrame({
    "store": ["A", "B", "A", "C", "B", "A", "C"],
    "units": [3, 5, 2, 8, 1, 7, 4],
    "price": [2.5, 3.0, 2.5, 1.75, 3.0, 2.25, 1.75],
})
sales["revenue"] = sales["units"] * sales["price"]


def value_range(series):
    return series.max() - series.min()


wanted = ["mean", "max"]
summary = sales.groupby("store").agg(
    total=("revenue", "sum"),
    spread=("units", value_range),
    orders=("units", "count"),
    peak=("price", lambda s: s.max()),
)
print(summary)
print(sales.groupby("store")["units"].agg(wanted))
print(sales.groupby("store")["units"].agg(value_range))
print(sales.groupby("store")["revenue"].transform("mean").round(3).tolist())
print(sales[["units", "revenue"]].apply(np.sum))
print(sales["units"].agg(["min", "median"]))
