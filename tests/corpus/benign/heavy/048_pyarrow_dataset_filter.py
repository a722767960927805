# Question: Filter and project a pyarrow table of events, then save the filtered slice to Parquet.
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

events = pa.table({
    "event_id": pa.array(range(1, 11), type=pa.int64()),
    "kind": ["view", "click", "view", "purchase", "view", "click", "purchase", "view", "click", "purchase"],
    "value": [0.0, 0.0, 0.0, 59.9, 0.0, 0.0, 120.0, 0.0, 0.0, 35.5],
    "user": ["a", "a", "b", "a", "c", "c", "c", "d", "b", "b"],
})
mask = pc.equal(events["kind"], "purchase")
purchases = events.filter(mask).select(["event_id", "user", "value"])
print(purchases.to_pandas())
pq.write_table(purchases, "purchases.parquet", compression="snappy")
back = pq.read_table("purchases.parquet", columns=["user", "value"])
print("Read back columns:", back.column_names, "| total value:", pc.sum(back["value"]).as_py())
print("Kinds:", pc.value_counts(events["kind"]).to_pylist())
