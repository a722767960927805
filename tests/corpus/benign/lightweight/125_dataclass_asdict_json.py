# Question: Serialize a nested purchase order model to JSON for an API payload.
import json
from dataclasses import dataclass, field, asdict, astuple


@dataclass
class Address:
    street: str
    city: str
    postcode: str


@dataclass
class Line:
    sku: str
    qty: int
    price: float

    @property
    def total(self):
        return round(self.qty * self.price, 2)


@dataclass
class PurchaseOrder:
    number: str
    supplier: str
    ship_to: Address
    lines: list[Line] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def add(self, sku, qty, price):
        self.lines.append(Line(sku, qty, price))
        return self


po = PurchaseOrder("PO-7781", "Acme Supplies", Address("1 Dock Rd", "Rotterdam", "3011"))
po.add("BOX-S", 500, 0.42).add("TAPE", 48, 2.15).add("LABEL", 2000, 0.03)
po.tags.append("urgent")

payload = asdict(po)
payload["order_total"] = sum(line.total for line in po.lines)
print(json.dumps(payload, indent=2))
print("As tuple (address):", astuple(po.ship_to))
other = PurchaseOrder("PO-7782", "Acme Supplies", Address("1 Dock Rd", "Rotterdam", "3011"))
print("Default lists are independent:", other.lines == [] and other.tags == [])
