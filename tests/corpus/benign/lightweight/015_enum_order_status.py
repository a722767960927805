# Question: How many orders are in each fulfilment status, and what is the next step for each?
from enum import Enum


class Status(Enum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


def next_step(status: Status) -> str:
    match status:
        case Status.PENDING:
            return "await payment"
        case Status.PAID:
            return "pick and pack"
        case Status.SHIPPED:
            return "track delivery"
        case Status.DELIVERED | Status.CANCELLED:
            return "no action"


orders = [("A1", "paid"), ("A2", "pending"), ("A3", "shipped"), ("A4", "paid"),
          ("A5", "delivered"), ("A6", "cancelled"), ("A7", "shipped"), ("A8", "paid")]

by_status = {s: [] for s in Status}
for order_id, raw in orders:
    by_status[Status(raw)].append(order_id)

for status, ids in by_status.items():
    print(f"{status.name:<10} {len(ids)}  next: {next_step(status):<14} {', '.join(ids)}")
