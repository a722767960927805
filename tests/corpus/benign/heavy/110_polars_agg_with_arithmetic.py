# Question: Revenue, average ticket and share of returns per region, in polars.
import polars as pl

orders = pl.DataFrame({
    "region": ["north", "north", "south", "south", "south", "west"],
    "price": [12.5, 8.0, 20.0, 5.5, 7.25, 30.0],
    "qty": [3, 5, 1, 10, 4, 2],
    "status": ["ok", "returned", "ok", "ok", "returned", "ok"],
})
summary = (
    orders.group_by("region")
    .agg(
        revenue=(pl.col("price") * pl.col("qty")).sum(),
        avg_ticket=pl.col("price").sum() / pl.len(),
        return_share=(pl.col("status") == "returned").mean(),
        units=-(-pl.col("qty")).sum(),
    )
    .sort("region")
)
print(summary)
