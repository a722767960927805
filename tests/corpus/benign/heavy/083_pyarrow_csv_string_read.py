# Question: Parse an inline CSV with pyarrow's CSV reader and compute revenue by product.
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

data = b"""product,qty,price,date
lamp,2,29.99,2024-04-01
chair,1,149.00,2024-04-01
lamp,1,29.99,2024-04-02
desk,1,289.00,2024-04-03
chair,4,139.00,2024-04-03
"""
table = pacsv.read_csv(io.BytesIO(data))
print(table.schema)
revenue = pc.multiply(pc.cast(table["qty"], pa.float64()), table["price"])
table = table.append_column("revenue", revenue)
summary = table.group_by("product").aggregate([("revenue", "sum"), ("qty", "sum")]).sort_by([("revenue_sum", "descending")])
for row in summary.to_pylist():
    print(f"{row['product']:<6} qty {row['qty_sum']:>2} revenue {row['revenue_sum']:>8.2f}")
