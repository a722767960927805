# Question: Load order JSON directly into typed objects and compute totals per customer.
import json
from dataclasses import dataclass
from datetime import date


@dataclass
class Line:
    sku: str
    qty: int
    price: float


@dataclass
class Order:
    id: str
    customer: str
    placed: date
    lines: list


def hook(obj):
    if {"sku", "qty", "price"} <= obj.keys():
        return Line(**obj)
    if {"id", "customer", "placed", "lines"} <= obj.keys():
        return Order(obj["id"], obj["customer"], date.fromisoformat(obj["placed"]), obj["lines"])
    return obj


payload = """
{"orders": [
  {"id": "o1", "customer": "kappa", "placed": "2024-03-02", "lines": [{"sku": "a", "qty": 2, "price": 9.5}, {"sku": "b", "qty": 1, "price": 20.0}]},
  {"id": "o2", "customer": "lambda", "placed": "2024-03-03", "lines": [{"sku": "c", "qty": 5, "price": 3.2}]},
  {"id": "o3", "customer": "kappa", "placed": "2024-03-09", "lines": [{"sku": "a", "qty": 1, "price": 9.5}]}
]}
"""
data = json.loads(payload, object_hook=hook)
totals = {}
for order in data["orders"]:
    amount = sum(l.qty * l.price for l in order.lines)
    totals[order.customer] = totals.get(order.customer, 0) + amount
    print(f"{order.id} {order.placed:%a %d %b} {order.customer:<7} {len(order.lines)} line(s) {amount:7.2f}")
print("Per customer:", totals)
print("First line type:", type(data["orders"][0].lines[0]).__name__)
