# Question: Save hourly web traffic computed in polars to Parquet, read it back and find the peak hour.
from datetime import datetime

import polars as pl

traffic = pl.DataFrame({
    "ts": pl.datetime_range(datetime(2024, 5, 1, 0), datetime(2024, 5, 1, 23), interval="1h", eager=True),
}).with_columns(
    (pl.int_range(0, 24) * 37 % 101 + 20 * (pl.col("ts").dt.hour().is_between(9, 17)).cast(pl.Int64)).alias("visits")
)
traffic.write_parquet("traffic.parquet")

back = pl.read_parquet("traffic.parquet")
print(back.head(5))
peak = back.sort(["visits", "ts"], descending=[True, False]).row(0, named=True)
print("Peak hour:", peak["ts"].strftime("%H:%M"), "with", peak["visits"], "visits")
print("Equal after round trip:", back.equals(traffic))
