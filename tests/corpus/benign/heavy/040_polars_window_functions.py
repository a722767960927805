# Question: For each sales rep, compute the running total and the difference from their previous deal.
import polars as pl

deals = pl.DataFrame({
    "rep": ["ana", "ben", "ana", "ben", "ana", "cy", "cy", "ben", "cy"],
    "deal_no": [1, 1, 2, 2, 3, 1, 2, 3, 3],
    "value": [1200, 800, 450, 1500, 2100, 300, 950, 700, 1800],
})
out = deals.sort(["rep", "deal_no"]).with_columns(
    pl.col("value").cum_sum().over("rep").alias("running_total"),
    (pl.col("value") - pl.col("value").shift(1).over("rep")).alias("change"),
    pl.col("value").rank("dense", descending=True).over("rep").alias("rank_in_rep"),
    (pl.col("value") / pl.col("value").sum().over("rep")).round(3).alias("share"),
)
print(out)
