# Question: Detect the delimiter of a pasted export and compute the average rating per product.
import csv
import io
from statistics import mean

pasted = """product;rating;review_date
Blender X;4;2024-03-02
Blender X;5;2024-03-05
Toaster Pro;3;2024-03-06
Blender X;2;2024-03-09
Toaster Pro;4;2024-03-11
Kettle Mini;5;2024-03-12
"""

dialect = csv.Sniffer().sniff(pasted.splitlines()[0] + "\n" + pasted.splitlines()[1])
print(f"Detected delimiter: {dialect.delimiter!r}; has header: {csv.Sniffer().has_header(pasted)}")
ratings = {}
for row in csv.DictReader(io.StringIO(pasted), delimiter=dialect.delimiter):
    ratings.setdefault(row["product"], []).append(int(row["rating"]))
for product, values in sorted(ratings.items(), key=lambda kv: -mean(kv[1])):
    print(f"{product:<12} avg {mean(values):.2f} from {len(values)} review(s)")
