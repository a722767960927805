# Question: Using a lazy query, find the top 3 cities by average basket size among repeat customers.
import polars as pl

orders = pl.DataFrame({
    "customer": ["c1", "c2", "c1", "c3", "c4", "c2", "c5", "c4", "c6", "c6", "c3", "c7"],
    "city": ["Lyon", "Nice", "Lyon", "Paris", "Lille", "Nice", "Paris", "Lille", "Paris", "Paris", "Paris", "Nice"],
    "basket": [54.0, 22.5, 61.0, 130.0, 48.0, 30.5, 75.0, 52.0, 99.0, 101.0, 88.0, 15.0],
})

query = (
    orders.lazy()
    .with_columns(pl.len().over("customer").alias("orders_by_customer"))
    .filter(pl.col("orders_by_customer") > 1)
    .group_by("city")
    .agg(pl.col("basket").mean().round(2).alias("avg_basket"), pl.col("customer").n_unique().alias("repeat_customers"))
    .sort(["avg_basket", "city"], descending=[True, False])
    .head(3)
)
print("Output columns:", query.collect_schema().names())
print(query.collect())
