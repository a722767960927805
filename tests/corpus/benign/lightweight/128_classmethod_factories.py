# Question: Load product records from different text formats into one model using factory methods.
import json


class Product:
    currency = "USD"

    def __init__(self, sku, name, price):
        self.sku, self.name, self.price = sku, name, float(price)

    @classmethod
    def from_csv_line(cls, line):
        sku, name, price = (part.strip() for part in line.split(","))
        return cls(sku, name, price)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(data["sku"], data["title"], data["price_cents"] / 100)

    @classmethod
    def from_kv(cls, text):
        pairs = dict(item.split("=") for item in text.split(";"))
        return cls(pairs["sku"], pairs["name"], pairs["price"])

    @staticmethod
    def is_valid_sku(sku):
        return len(sku) == 6 and sku[:2].isalpha() and sku[2:].isdigit()

    def __repr__(self):
        return f"Product({self.sku}, {self.name!r}, {self.price:.2f} {self.currency})"


products = [
    Product.from_csv_line("AB1234, Desk Lamp, 29.90"),
    Product.from_json('{"sku": "CD5678", "title": "Office Chair", "price_cents": 14900}'),
    Product.from_kv("sku=EF90;name=Notebook;price=3.5"),
]
for p in products:
    print(p, "valid sku" if Product.is_valid_sku(p.sku) else "INVALID sku")
