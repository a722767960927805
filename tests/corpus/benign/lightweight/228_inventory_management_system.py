# Question: Simulate a month of warehouse operations (receipts, orders, backorders, reorders) and report KPIs.
from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum


class EventType(Enum):
    ORDER = "order"
    RECEIPT = "receipt"


@dataclass
class Product:
    sku: str
    name: str
    unit_cost: float
    price: float
    reorder_point: int
    reorder_qty: int
    lead_time_days: int
    on_hand: int = 0
    on_order: int = 0

    @property
    def margin(self) -> float:
        return self.price - self.unit_cost


@dataclass(order=True)
class PurchaseOrder:
    arrival: date
    sku: str = field(compare=False)
    qty: int = field(compare=False)


@dataclass
class Stats:
    orders: int = 0
    units_requested: int = 0
    units_shipped: int = 0
    backordered: int = 0
    revenue: float = 0.0
    cogs: float = 0.0
    purchase_orders: int = 0
    stockout_days: dict = field(default_factory=lambda: defaultdict(int))


class Warehouse:
    def __init__(self, products: list[Product]):
        self.products = {p.sku: p for p in products}
        self.inbound: list[PurchaseOrder] = []
        self.backorders: dict[str, deque] = defaultdict(deque)
        self.stats = Stats()

    def receive(self, today: date) -> None:
        arrived = [po for po in self.inbound if po.arrival <= today]
        self.inbound = [po for po in self.inbound if po.arrival > today]
        for po in sorted(arrived):
            product = self.products[po.sku]
            product.on_hand += po.qty
            product.on_order -= po.qty
            self._fill_backorders(product)

    def _fill_backorders(self, product: Product) -> None:
        queue = self.backorders[product.sku]
        while queue and product.on_hand > 0:
            wanted = queue[0]
            shipped = min(wanted, product.on_hand)
            self._ship(product, shipped)
            if shipped == wanted:
                queue.popleft()
            else:
                queue[0] = wanted - shipped

    def _ship(self, product: Product, qty: int) -> None:
        product.on_hand -= qty
        self.stats.units_shipped += qty
        self.stats.revenue += qty * product.price
        self.stats.cogs += qty * product.unit_cost

    def order(self, sku: str, qty: int) -> None:
        product = self.products[sku]
        self.stats.orders += 1
        self.stats.units_requested += qty
        shipped = min(qty, product.on_hand)
        if shipped:
            self._ship(product, shipped)
        if qty > shipped:
            self.backorders[sku].append(qty - shipped)
            self.stats.backordered += qty - shipped

    def replenish(self, today: date) -> None:
        for product in self.products.values():
            position = product.on_hand + product.on_order - sum(self.backorders[product.sku])
            if position <= product.reorder_point:
                arrival = today + timedelta(days=product.lead_time_days)
                self.inbound.append(PurchaseOrder(arrival, product.sku, product.reorder_qty))
                product.on_order += product.reorder_qty
                self.stats.purchase_orders += 1

    def end_of_day(self) -> None:
        for product in self.products.values():
            if product.on_hand == 0:
                self.stats.stockout_days[product.sku] += 1


def simulate(seed: int = 12) -> Warehouse:
    rng = random.Random(seed)
    catalog = [
        Product("KB-01", "Keyboard", 18.0, 39.0, 30, 80, 5, on_hand=60),
        Product("MS-02", "Mouse", 6.5, 19.0, 40, 120, 3, on_hand=90),
        Product("HS-03", "Headset", 22.0, 59.0, 15, 40, 7, on_hand=25),
        Product("CM-04", "Webcam", 27.0, 69.0, 10, 30, 10, on_hand=12),
    ]
    demand = {"KB-01": (0, 12), "MS-02": (2, 16), "HS-03": (0, 7), "CM-04": (0, 4)}
    wh = Warehouse(catalog)
    day = date(2024, 3, 1)
    while day.month == 3:
        wh.receive(day)
        if day.weekday() < 6:  # closed on Sundays
            for sku, (low, high) in demand.items():
                qty = rng.randint(low, high)
                if qty:
                    wh.order(sku, qty)
        wh.replenish(day)
        wh.end_of_day()
        day += timedelta(days=1)
    return wh


def report(wh: Warehouse) -> None:
    s = wh.stats
    fill_rate = s.units_shipped / s.units_requested
    print("March 2024 warehouse report")
    print("=" * 44)
    print(f"Orders received       {s.orders:>10}")
    print(f"Units requested       {s.units_requested:>10}")
    print(f"Units shipped         {s.units_shipped:>10}")
    print(f"Fill rate             {fill_rate:>10.1%}")
    print(f"Units backordered     {s.backordered:>10}")
    print(f"Purchase orders       {s.purchase_orders:>10}")
    print(f"Revenue               {s.revenue:>10,.2f}")
    print(f"Gross margin          {s.revenue - s.cogs:>10,.2f}")
    print("-" * 44)
    print(f"{'SKU':<6}{'Name':<10}{'OnHand':>7}{'OnOrder':>8}{'Backord':>8}{'Stockout d':>11}")
    for sku, p in wh.products.items():
        pending = sum(wh.backorders[sku])
        print(f"{sku:<6}{p.name:<10}{p.on_hand:>7}{p.on_order:>8}{pending:>8}{s.stockout_days[sku]:>11}")
    inbound = sorted(wh.inbound)
    if inbound:
        nxt = inbound[0]
        print(f"Next delivery: {nxt.qty} x {nxt.sku} on {nxt.arrival:%d %b}")


if __name__ == "__main__":
    report(simulate())
