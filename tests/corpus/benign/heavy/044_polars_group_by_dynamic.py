# Question: Compute weekly revenue from daily orders with polars dynamic grouping.
from datetime import date

import polars as pl

daily = pl.DataFrame({
    "day": pl.date_range(date(2024, 2, 1), date(2024, 2, 29), interval="1d", eager=True),
}).with_columns(
    ((pl.int_range(0, 29) * 53 % 97) + 100).alias("revenue")
)
weekly = daily.group_by_dynamic("day", every="1w", start_by="monday").agg(
    pl.col("revenue").sum().alias("revenue"),
    pl.len().alias("days"),
)
print(weekly)
print("Best week starting:", weekly.sort("revenue", descending=True)["day"][0])
