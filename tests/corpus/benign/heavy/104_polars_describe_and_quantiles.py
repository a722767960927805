# Question: Describe delivery times per warehouse with polars, including quantiles.
import numpy as np
import polars as pl

rng = np.random.default_rng(17)
df = pl.DataFrame({
    "warehouse": rng.choice(["AMS", "BCN", "WAW"], 300),
    "hours": rng.gamma(3.0, 9.0, 300).round(1),
})
print(df.describe())
stats = df.group_by("warehouse").agg(
    pl.col("hours").mean().round(2).alias("mean"),
    pl.col("hours").quantile(0.5, interpolation="linear").round(2).alias("p50"),
    pl.col("hours").quantile(0.9, interpolation="linear").round(2).alias("p90"),
    (pl.col("hours") > 48).mean().round(3).alias("late_share"),
).sort("warehouse")
print(stats)
