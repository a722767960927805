# Question: Save the store KPI table as Parquet and read it back to confirm schema and totals.
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

table = pa.table({
    "store": ["Leeds", "York", "Bath", "Hull"],
    "visits": pa.array([10412, 8120, 6033, 7200], type=pa.int32()),
    "revenue": [182000.5, 140250.0, 99870.25, 120010.0],
})
pq.write_table(table, "store_kpis.parquet")

loaded = pq.read_table("store_kpis.parquet")
print(loaded.schema)
print("Rows:", loaded.num_rows, "| equal to original:", loaded.equals(table))
print("Total revenue:", pc.sum(loaded["revenue"]).as_py())
print("Revenue per visit:", [round(x, 2) for x in pc.divide(loaded["revenue"], pc.cast(loaded["visits"], pa.float64())).to_pylist()])
meta = pq.read_metadata("store_kpis.parquet")
print("Row groups:", meta.num_row_groups, "| columns:", meta.num_columns)
