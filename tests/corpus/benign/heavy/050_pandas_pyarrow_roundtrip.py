# Question: Convert a pandas frame to an Arrow table, add a computed column, and return to pandas.
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

df = pd.DataFrame({"city": ["Oslo", "Bergen", "Trondheim"], "population": [709_000, 291_000, 212_000], "area_km2": [454.0, 465.0, 342.0]})
table = pa.Table.from_pandas(df, preserve_index=False)
density = pc.round(pc.divide(pc.cast(table["population"], pa.float64()), table["area_km2"]), 1)
table = table.append_column("density", density)
out = table.to_pandas()
print(out)
print(table.schema.field("density"))
