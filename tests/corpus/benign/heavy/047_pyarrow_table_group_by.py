# Question: Aggregate a pyarrow table of orders by country with Table.group_by.
import pyarrow as pa

orders = pa.table({
    "country": ["DE", "FR", "DE", "IT", "FR", "DE", "ES", "IT"],
    "amount": [120.0, 80.5, 300.0, 45.0, 210.0, 99.9, 150.0, 60.0],
    "items": [2, 1, 5, 1, 3, 2, 2, 1],
})
agg = orders.group_by("country").aggregate([("amount", "sum"), ("amount", "mean"), ("items", "sum"), ("country", "count")])
agg = agg.sort_by([("amount_sum", "descending")])
for row in agg.to_pylist():
    print(f"{row['country']}: orders {row['country_count']}, items {row['items_sum']}, total {row['amount_sum']:.2f}, mean {row['amount_mean']:.2f}")
print(agg.schema.names)
