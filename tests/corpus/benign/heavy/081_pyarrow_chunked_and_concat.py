# Question: Concatenate monthly Arrow tables and compute per-month totals with pyarrow compute.
import pyarrow as pa
import pyarrow.compute as pc

jan = pa.table({"month": ["2024-01"] * 3, "sku": ["A", "B", "C"], "units": [10, 4, 7]})
feb = pa.table({"month": ["2024-02"] * 3, "sku": ["A", "B", "D"], "units": [12, 6, 3]})
mar = pa.table({"month": ["2024-03"] * 2, "sku": ["A", "C"], "units": [9, 11]})
all_months = pa.concat_tables([jan, feb, mar])
print("Chunks in units column:", all_months["units"].num_chunks)
combined = all_months.combine_chunks()
print("After combine:", combined["units"].num_chunks, "chunk(s);", combined.num_rows, "rows")
totals = combined.group_by("month").aggregate([("units", "sum")]).sort_by("month")
print(totals.to_pydict())
print("Distinct SKUs:", sorted(pc.unique(combined["sku"]).to_pylist()))
print("Units of A by month:", combined.filter(pc.equal(combined["sku"], "A"))["units"].to_pylist())
