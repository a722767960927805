# Question: Export a per-store weekly summary from polars to CSV and verify it with pandas.
import pandas as pd
import polars as pl

sales = pl.DataFrame({
    "store": ["S1", "S2", "S1", "S3", "S2", "S1", "S3", "S2"],
    "week": [1, 1, 2, 1, 2, 3, 2, 3],
    "units": [120, 95, 130, 60, 101, 118, 75, 99],
})
summary = sales.group_by("store").agg(pl.col("units").sum().alias("units"), pl.col("week").n_unique().alias("weeks")).sort("store")
summary.write_csv("store_summary.csv")

check = pd.read_csv("store_summary.csv")
print(check)
print("Units per week:", (check["units"] / check["weeks"]).round(1).tolist())
print("Same totals:", int(check["units"].sum()) == sales["units"].sum())
