# Question: In polars, compute cumulative revenue and a 3-day rolling mean per store.
from datetime import date

import polars as pl

df = pl.DataFrame({
    "day": pl.date_range(date(2024, 9, 1), date(2024, 9, 6), interval="1d", eager=True).to_list() * 2,
    "store": ["north"] * 6 + ["south"] * 6,
    "revenue": [120, 135, 150, 110, 160, 175, 90, 95, 80, 130, 125, 140],
})
out = df.sort(["store", "day"]).with_columns(
    pl.col("revenue").cum_sum().over("store").alias("cumulative"),
    pl.col("revenue").rolling_mean(window_size=3).over("store").round(1).alias("roll3"),
    (pl.col("revenue").pct_change().over("store") * 100).round(1).alias("pct_change"),
)
print(out)
