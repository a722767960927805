# Question: Segment customers by RFM in polars and write the segment table and summary to Parquet.
from datetime import date

import numpy as np
import polars as pl

rng = np.random.default_rng(20240601)
n_orders = 600
customers = [f"C{i:03d}" for i in range(1, 81)]
# order dates are built with polars itself (start date + random day offset)
orders = pl.DataFrame({
    "customer": rng.choice(customers, n_orders),
    "day_offset": rng.integers(0, 182, n_orders),
    "amount": rng.gamma(2.0, 40.0, n_orders).round(2),
}).with_columns(
    (pl.lit(date(2024, 1, 1)) + pl.duration(days=pl.col("day_offset"))).alias("order_date")
).drop("day_offset")

as_of = date(2024, 7, 1)
rfm = (
    orders.group_by("customer")
    .agg(
        pl.col("order_date").max().alias("last_order"),
        pl.len().alias("frequency"),
        pl.col("amount").sum().round(2).alias("monetary"),
    )
    .with_columns((pl.lit(as_of) - pl.col("last_order")).dt.total_days().alias("recency_days"))
    .sort("customer")
)


def quintile(col: str, descending: bool = False) -> pl.Expr:
    ranks = pl.col(col).rank("ordinal", descending=descending)
    return ((ranks - 1) * 5 // pl.len() + 1).cast(pl.Int8)


scored = rfm.with_columns(
    quintile("recency_days", descending=True).alias("R"),
    quintile("frequency").alias("F"),
    quintile("monetary").alias("M"),
).with_columns(
    pl.when((pl.col("R") >= 4) & (pl.col("F") >= 4)).then(pl.lit("champions"))
    .when(pl.col("R") >= 4).then(pl.lit("recent"))
    .when(pl.col("F") >= 4).then(pl.lit("loyal_at_risk"))
    .when(pl.col("R") <= 2).then(pl.lit("hibernating"))
    .otherwise(pl.lit("needs_attention"))
    .alias("segment")
)

summary = (
    scored.group_by("segment")
    .agg(
        pl.len().alias("customers"),
        pl.col("monetary").sum().round(2).alias("revenue"),
        pl.col("recency_days").mean().round(1).alias("avg_recency"),
        pl.col("frequency").mean().round(2).alias("avg_frequency"),
    )
    .sort("revenue", descending=True)
)
print(summary)

scored.write_parquet("rfm_scores.parquet")
summary.write_parquet("rfm_summary.parquet")
back = pl.read_parquet("rfm_scores.parquet")
print("Scores saved:", back.shape, "| segments:", sorted(back["segment"].unique().to_list()))
print(back.filter(pl.col("segment") == "champions").sort("monetary", descending=True).head(5).select("customer", "frequency", "monetary", "recency_days"))
