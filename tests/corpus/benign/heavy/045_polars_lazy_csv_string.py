# Question: Read inline CSV text with polars, and compute revenue by category using a lazy query.
import io

import polars as pl

csv_text = """category,product,units,price
books,Atlas,3,24.99
games,Chess,1,39.00
books,Novel,7,12.50
toys,Kite,4,18.00
games,Puzzle,6,14.99
books,Cookbook,2,29.95
toys,Yo-yo,10,3.50
"""
lf = pl.read_csv(io.StringIO(csv_text)).lazy()
result = (
    lf.with_columns((pl.col("units") * pl.col("price")).alias("revenue"))
    .group_by("category")
    .agg(pl.col("revenue").sum().round(2), pl.col("units").sum(), pl.col("product").sort().str.join(", ").alias("products"))
    .sort("revenue", descending=True)
    .collect()
)
print(result)
