# Question: Build a daily calendar for Q1 2024 and count business days per month.
from datetime import date

import polars as pl

cal = pl.DataFrame({"day": pl.date_range(date(2024, 1, 1), date(2024, 3, 31), interval="1d", eager=True)})
cal = cal.with_columns(
    pl.col("day").dt.month().alias("month"),
    pl.col("day").dt.weekday().alias("weekday"),  # Monday=1 ... Sunday=7
).with_columns((pl.col("weekday") <= 5).alias("business_day"))

per_month = cal.group_by("month").agg(
    pl.len().alias("days"),
    pl.col("business_day").sum().alias("business_days"),
).sort("month")
print(per_month)
print("First Mondays:", cal.filter((pl.col("weekday") == 1) & (pl.col("day").dt.day() <= 7))["day"].to_list())
