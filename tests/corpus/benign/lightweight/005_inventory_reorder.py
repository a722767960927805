# Question: Which inventory items are below their reorder point, and how much should we order?
from dataclasses import dataclass


@dataclass
class StockItem:
    sku: str
    name: str
    on_hand: int
    reorder_point: int
    target_level: int
    unit_cost: float

    def needs_reorder(self) -> bool:
        return self.on_hand <= self.reorder_point

    def order_quantity(self) -> int:
        return max(self.target_level - self.on_hand, 0)


inventory = [
    StockItem("A-100", "Printer paper", 40, 50, 200, 4.25),
    StockItem("A-101", "Toner cartridge", 12, 10, 30, 62.00),
    StockItem("B-200", "Stapler", 8, 5, 20, 11.50),
    StockItem("B-201", "Staples (box)", 3, 10, 60, 2.10),
    StockItem("C-300", "Whiteboard marker", 25, 30, 100, 1.35),
]

to_order = [item for item in inventory if item.needs_reorder()]
print(f"{len(to_order)} of {len(inventory)} items need reordering:\n")
total_cost = 0.0
for item in to_order:
    qty = item.order_quantity()
    cost = qty * item.unit_cost
    total_cost += cost
    print(f"{item.sku}  {item.name:<20} order {qty:>4} units  ${cost:>8.2f}")
print(f"\nEstimated purchase order total: ${total_cost:,.2f}")
