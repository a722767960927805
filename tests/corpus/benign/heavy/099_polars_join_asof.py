# Question: Attach the exchange rate in force at each transaction time using a polars as-of join.
from datetime import datetime

import polars as pl

rates = pl.DataFrame({
    "ts": [datetime(2024, 4, 1, 9), datetime(2024, 4, 1, 12), datetime(2024, 4, 1, 15)],
    "eur_usd": [1.0790, 1.0812, 1.0798],
}).sort("ts")
tx = pl.DataFrame({
    "ts": [datetime(2024, 4, 1, 9, 30), datetime(2024, 4, 1, 11, 59), datetime(2024, 4, 1, 12, 0), datetime(2024, 4, 1, 16, 45)],
    "eur": [1000.0, 250.0, 4000.0, 75.5],
}).sort("ts")
joined = tx.join_asof(rates, on="ts", strategy="backward").with_columns((pl.col("eur") * pl.col("eur_usd")).round(2).alias("usd"))
print(joined)
print("Total USD:", joined["usd"].sum())
