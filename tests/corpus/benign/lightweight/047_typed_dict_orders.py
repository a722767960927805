# Question: Validate incoming order payloads and total them by customer.
from typing import TypedDict


class LineItem(TypedDict):
    sku: str
    qty: int
    unit_price: float


class Order(TypedDict, total=False):
    order_id: str
    customer: str
    items: list[LineItem]
    coupon: str


orders: list[Order] = [
    {"order_id": "O-1", "customer": "Dana", "items": [{"sku": "X1", "qty": 2, "unit_price": 12.5}]},
    {"order_id": "O-2", "customer": "Eli", "items": [{"sku": "Y2", "qty": 1, "unit_price": 99.0},
                                                     {"sku": "X1", "qty": 3, "unit_price": 12.5}], "coupon": "SAVE10"},
    {"order_id": "O-3", "customer": "Dana", "items": []},
]


def order_total(order: Order) -> float:
    subtotal = sum(i["qty"] * i["unit_price"] for i in order.get("items", []))
    return subtotal * 0.9 if order.get("coupon") == "SAVE10" else subtotal


by_customer: dict[str, float] = {}
for order in orders:
    if not order.get("items"):
        print(f"{order['order_id']}: skipped (no items)")
        continue
    by_customer[order["customer"]] = by_customer.get(order["customer"], 0.0) + order_total(order)

for customer, total in by_customer.items():
    print(f"{customer}: ${total:.2f}")
print("Order keys:", sorted(Order.__annotations__))
