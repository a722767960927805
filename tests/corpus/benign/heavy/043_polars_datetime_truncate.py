# Question: Bucket transaction timestamps into 15-minute windows and find the busiest window.
from datetime import datetime

import polars as pl

tx = pl.DataFrame({
    "ts": [datetime(2024, 6, 1, 9, 2), datetime(2024, 6, 1, 9, 7), datetime(2024, 6, 1, 9, 14), datetime(2024, 6, 1, 9, 16),
           datetime(2024, 6, 1, 9, 31), datetime(2024, 6, 1, 9, 33), datetime(2024, 6, 1, 9, 40), datetime(2024, 6, 1, 9, 44),
           datetime(2024, 6, 1, 9, 58), datetime(2024, 6, 1, 10, 5)],
    "amount": [12.0, 30.5, 8.25, 44.0, 19.99, 5.0, 72.0, 15.5, 60.0, 9.0],
})
windows = (
    tx.with_columns(pl.col("ts").dt.truncate("15m").alias("window"))
    .group_by("window")
    .agg(pl.len().alias("count"), pl.col("amount").sum().alias("total"))
    .sort("window")
)
print(windows)
busiest = windows.sort(["count", "window"], descending=[True, False]).row(0, named=True)
print("Busiest window starts at", busiest["window"].strftime("%H:%M"))
