# Question: Aggregate order lines into lists per order and compute basket statistics in polars.
import polars as pl

lines = pl.DataFrame({
    "order_id": [1, 1, 1, 2, 2, 3, 4, 4, 4, 4],
    "product": ["tea", "mug", "honey", "coffee", "filter", "tea", "mug", "tea", "coffee", "spoon"],
    "price": [6.5, 9.0, 7.25, 11.0, 3.5, 6.5, 9.0, 6.5, 11.0, 2.0],
})
baskets = (
    lines.group_by("order_id", maintain_order=True)
    .agg(pl.col("product").alias("items"), pl.col("price").sum().alias("total"))
    .with_columns(pl.col("items").list.len().alias("n_items"), pl.col("items").list.contains("tea").alias("has_tea"))
)
print(baskets)
pairs = lines.join(lines, on="order_id").filter(pl.col("product") < pl.col("product_right"))
top_pairs = pairs.group_by(["product", "product_right"]).agg(pl.len().alias("together")).sort(["together", "product", "product_right"], descending=[True, False, False]).head(3)
print(top_pairs)
