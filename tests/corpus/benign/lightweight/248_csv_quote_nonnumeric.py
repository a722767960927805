# Question: Export a price list where text is quoted and numbers are not, then re-import it with types preserved.
import csv
import io

rows = [["Widget, large", 19.5, 120], ['Gizmo "Pro"', 249.0, 8], ["Doohickey", 3.25, 1500]]

out = io.StringIO()
writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
writer.writerow(["name", "price", "stock"])
writer.writerows(rows)
text = out.getvalue()
print(text, end="")

reader = csv.reader(io.StringIO(text), quoting=csv.QUOTE_NONNUMERIC)
header = next(reader)
for name, price, stock in reader:
    print(f"{name!r:<18} price={price!r:<6} ({type(price).__name__}) stock value={price * stock:,.2f}")
