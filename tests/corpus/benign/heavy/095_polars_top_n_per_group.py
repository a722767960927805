# Question: Which are the three longest support calls for each team?
import numpy as np
import polars as pl

rng = np.random.default_rng(6)
calls = pl.DataFrame({
    "call_id": np.arange(1, 41),
    "team": rng.choice(["billing", "tech", "sales"], 40),
    "minutes": rng.integers(2, 60, 40),
})
top3 = (
    calls.sort(["team", "minutes", "call_id"], descending=[False, True, False])
    .group_by("team", maintain_order=True)
    .head(3)
)
print(top3)
print(calls.group_by("team").agg(pl.col("minutes").median().alias("median_minutes")).sort("team"))
