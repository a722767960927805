# Question: Save orders to Parquet and read back only large EU orders using a pushdown filter.
import pyarrow as pa
import pyarrow.parquet as pq

orders = pa.table({
    "order_id": list(range(1, 13)),
    "region": ["EU", "US", "EU", "APAC", "EU", "US", "EU", "US", "APAC", "EU", "EU", "US"],
    "amount": [120.0, 540.0, 880.0, 45.0, 1500.0, 75.0, 300.0, 990.0, 610.0, 55.0, 2100.0, 130.0],
})
pq.write_table(orders, "orders.parquet")
large_eu = pq.read_table("orders.parquet", filters=[("region", "=", "EU"), ("amount", ">", 250)], columns=["order_id", "amount"])
print(large_eu.to_pydict())
print("Rows:", large_eu.num_rows, "| total:", sum(large_eu["amount"].to_pylist()))
