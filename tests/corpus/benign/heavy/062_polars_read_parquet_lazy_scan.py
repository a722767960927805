# Question: Write event data to Parquet and query it lazily with scan_parquet to count active users per day.
from datetime import date

import polars as pl

events = pl.DataFrame({
    "day": [date(2024, 8, 1)] * 4 + [date(2024, 8, 2)] * 3 + [date(2024, 8, 3)] * 5,
    "user": ["a", "b", "a", "c", "a", "d", "d", "b", "c", "e", "a", "e"],
    "action": ["view", "view", "buy", "view", "view", "view", "buy", "view", "buy", "view", "view", "buy"],
})
events.write_parquet("events.parquet")

daily = (
    pl.scan_parquet("events.parquet")
    .group_by("day")
    .agg(pl.col("user").n_unique().alias("active_users"), (pl.col("action") == "buy").sum().alias("purchases"))
    .sort("day")
    .collect()
)
print(daily)
print("Buyers overall:", sorted(events.filter(pl.col("action") == "buy")["user"].unique().to_list()))
