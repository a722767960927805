# Question: Total the cost of heterogeneous billable items that share a common "cost" interface.
from typing import Protocol, runtime_checkable


@runtime_checkable
class Billable(Protocol):
    def cost(self) -> float: ...


class ComputeHours:
    def __init__(self, hours, rate):
        self.hours, self.rate = hours, rate

    def cost(self):
        return self.hours * self.rate


class StorageGB:
    def __init__(self, gb, months):
        self.gb, self.months = gb, months

    def cost(self):
        return self.gb * self.months * 0.023


class SupportPlan:
    flat = 250.0

    def cost(self):
        return self.flat


class Note:
    text = "not billable"


items = [ComputeHours(730, 0.096), StorageGB(1200, 1), SupportPlan(), Note(), ComputeHours(120, 0.34)]
total = 0.0
for item in items:
    if isinstance(item, Billable):
        total += item.cost()
        print(f"{type(item).__name__:<13} {item.cost():>9.2f}")
    else:
        print(f"{type(item).__name__:<13} skipped")
print(f"Monthly bill: {total:,.2f}")
