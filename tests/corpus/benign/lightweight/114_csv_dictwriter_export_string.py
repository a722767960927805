# Question: Produce a CSV of per-product margins that can be pasted into a spreadsheet.
import csv
import io

products = [
    {"sku": "TS-01", "name": "T-shirt", "cost": 4.10, "price": 14.99, "units": 820},
    {"sku": "HD-02", "name": "Hoodie, zip", "cost": 12.75, "price": 39.00, "units": 310},
    {"sku": "CP-03", "name": 'Cap "classic"', "cost": 2.30, "price": 11.50, "units": 540},
]

buffer = io.StringIO()
writer = csv.DictWriter(buffer, fieldnames=["sku", "name", "units", "margin_pct", "gross_profit"], lineterminator="\n")
writer.writeheader()
for p in products:
    margin = (p["price"] - p["cost"]) / p["price"]
    writer.writerow({
        "sku": p["sku"],
        "name": p["name"],
        "units": p["units"],
        "margin_pct": f"{margin * 100:.1f}",
        "gross_profit": f"{(p['price'] - p['cost']) * p['units']:.2f}",
    })

text = buffer.getvalue()
print(text, end="")
rows = list(csv.reader(io.StringIO(text)))
print(f"-- {len(rows) - 1} data rows; quoted name survives: {rows[3][1]!r}")
