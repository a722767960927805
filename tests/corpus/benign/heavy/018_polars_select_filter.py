# Question: Which high-value orders from the web channel were placed in Q2?
import polars as pl

df = pl.DataFrame({
    "order_id": [1, 2, 3, 4, 5, 6, 7, 8],
    "channel": ["web", "store", "web", "app", "web", "web", "store", "app"],
    "amount": [120.0, 560.5, 980.0, 45.0, 1500.0, 310.0, 99.0, 720.0],
    "month": [4, 5, 6, 3, 5, 7, 4, 6],
})

result = (
    df.filter((pl.col("channel") == "web") & pl.col("month").is_between(4, 6) & (pl.col("amount") > 300))
    .select("order_id", "amount", (pl.col("amount") * 0.2).round(2).alias("vat"))
    .sort("amount", descending=True)
)
print(result)
print("Total:", result["amount"].sum())
