# Question: Add margin, margin percentage and a price band to the product table.
import polars as pl

products = pl.DataFrame({
    "sku": ["A1", "B2", "C3", "D4", "E5"],
    "cost": [4.0, 12.5, 30.0, 2.2, 55.0],
    "price": [9.99, 19.99, 49.0, 4.5, 79.0],
})

enriched = products.with_columns(
    (pl.col("price") - pl.col("cost")).round(2).alias("margin"),
    ((pl.col("price") - pl.col("cost")) / pl.col("price") * 100).round(1).alias("margin_pct"),
    pl.when(pl.col("price") < 10).then(pl.lit("budget"))
    .when(pl.col("price") < 50).then(pl.lit("mid"))
    .otherwise(pl.lit("premium")).alias("band"),
)
print(enriched)
print(enriched.select(pl.col("margin").sum().alias("total_margin"), pl.col("margin_pct").mean().round(2).alias("avg_margin_pct")))
