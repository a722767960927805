# Question: How much smaller does dictionary encoding make a repetitive category column?
import pyarrow as pa
import pyarrow.compute as pc

categories = ["electronics", "grocery", "apparel", "home"] * 2500
plain = pa.array(categories)
encoded = pc.dictionary_encode(plain)
print("Plain type:", plain.type, "| bytes:", plain.nbytes)
print("Encoded type:", encoded.type, "| bytes:", encoded.nbytes)
print(f"Size ratio: {encoded.nbytes / plain.nbytes:.2%}")
print("Dictionary:", encoded.dictionary.to_pylist())
counts = pc.value_counts(plain).to_pylist()
print("Counts:", sorted((c["values"], c["counts"]) for c in counts))
