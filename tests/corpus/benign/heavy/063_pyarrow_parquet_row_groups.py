# Question: Store a larger table of readings in Parquet with several row groups and read one group back.
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

rng = np.random.default_rng(100)
n = 10_000
table = pa.table({
    "sensor": pa.array(rng.integers(1, 6, n), type=pa.int16()),
    "reading": pa.array(rng.normal(20, 3, n).round(3)),
})
pq.write_table(table, "readings.parquet", row_group_size=2_500)

pf = pq.ParquetFile("readings.parquet")
print("Row groups:", pf.num_row_groups, "| rows:", pf.metadata.num_rows)
print("Second group rows:", pf.metadata.row_group(1).num_rows)
stats = pf.metadata.row_group(0).column(1).statistics
print("First group reading min/max:", round(stats.min, 3), round(stats.max, 3))
df = pq.read_table("readings.parquet").to_pandas()
print(df.groupby("sensor")["reading"].mean().round(3))
