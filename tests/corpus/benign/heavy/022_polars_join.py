# Question: Attach product and supplier details to order lines and total spend per supplier.
import polars as pl

lines = pl.DataFrame({"order_id": [1, 1, 2, 3, 3, 3, 4], "sku": ["P1", "P2", "P1", "P3", "P4", "P2", "P9"], "qty": [3, 1, 5, 2, 10, 4, 1]})
products = pl.DataFrame({"sku": ["P1", "P2", "P3", "P4"], "unit_price": [9.5, 24.0, 120.0, 1.25], "supplier_id": [10, 11, 10, 12]})
suppliers = pl.DataFrame({"supplier_id": [10, 11, 12], "supplier": ["Nordic Parts", "Atlas Supply", "Kite Goods"]})

joined = (
    lines.join(products, on="sku", how="left")
    .join(suppliers, on="supplier_id", how="left")
    .with_columns((pl.col("qty") * pl.col("unit_price")).alias("line_total"))
    .sort(["order_id", "sku"])
)
print(joined)
spend = joined.drop_nulls("supplier").group_by("supplier").agg(pl.col("line_total").sum().alias("spend")).sort("spend", descending=True)
print(spend)
missing = lines.join(products, on="sku", how="anti")
print("Unknown SKUs:", missing["sku"].to_list())
