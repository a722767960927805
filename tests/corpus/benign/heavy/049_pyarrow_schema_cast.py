# Question: Enforce a schema on raw string data with pyarrow casting and report conversion results.
import pyarrow as pa
import pyarrow.compute as pc

raw = pa.table({
    "id": ["1", "2", "3", "4"],
    "price": ["9.99", "120.50", "0.75", "33.00"],
    "in_stock": ["true", "false", "true", "true"],
    "added": ["2024-01-05", "2024-02-14", "2024-03-01", "2024-03-20"],
})
schema = pa.schema([("id", pa.int32()), ("price", pa.float64()), ("in_stock", pa.bool_()), ("added", pa.date32())])
typed = pa.table({
    "id": pc.cast(raw["id"], pa.int32()),
    "price": pc.cast(raw["price"], pa.float64()),
    "in_stock": pc.cast(raw["in_stock"], pa.bool_()),
    "added": pc.cast(pc.strptime(raw["added"], format="%Y-%m-%d", unit="s"), pa.date32()),
})
print(typed.schema)
print("Matches target schema:", typed.schema.equals(schema))
print("Stock value:", round(pc.sum(pc.if_else(typed["in_stock"], typed["price"], 0.0)).as_py(), 2))
print("Added in March:", pc.sum(pc.equal(pc.month(typed["added"]), 3)).as_py())
