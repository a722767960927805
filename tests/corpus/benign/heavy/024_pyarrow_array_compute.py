# Question: Use pyarrow compute functions to summarize a column of order amounts.
import pyarrow as pa
import pyarrow.compute as pc

amounts = pa.array([120.5, 99.0, None, 310.25, 45.0, 980.0, None, 12.75], type=pa.float64())
print("Type:", amounts.type, "| length:", len(amounts), "| nulls:", amounts.null_count)
print("Sum:", pc.sum(amounts).as_py())
print("Mean:", round(pc.mean(amounts).as_py(), 3))
mm = pc.min_max(amounts)
print("Min/Max:", mm["min"].as_py(), mm["max"].as_py())
print("Filled nulls:", pc.fill_null(amounts, 0.0).to_pylist())
print("Over 100:", pc.filter(amounts, pc.greater(amounts, 100)).to_pylist())
print("Rounded x1.2:", pc.round(pc.multiply(amounts, 1.2), 2).to_pylist())
print("Sorted indices:", pc.sort_indices(amounts).to_pylist())
