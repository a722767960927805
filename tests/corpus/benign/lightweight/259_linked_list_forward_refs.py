# Question: Build a small linked list of daily readings and report the running maximum.
from dataclasses import dataclass
from typing import Iterator, List, Optional


@dataclass
class Reading:
    day: int
    value: float
    next: Optional["Reading"] = None


def build(values: List[float]) -> Optional["Reading"]:
    head: Optional[Reading] = None
    for day, value in reversed(list(enumerate(values, start=1))):
        head = Reading(day, value, head)
    return head


def walk(node: Optional["Reading"]) -> Iterator["Reading"]:
    while node is not None:
        yield node
        node = node.next


best = float("-inf")
for reading in walk(build([3.2, 4.8, 4.1, 6.0, 5.5])):
    best = max(best, reading.value)
    print(f"day {reading.day}: {reading.value:.1f} (max so far {best:.1f})")
