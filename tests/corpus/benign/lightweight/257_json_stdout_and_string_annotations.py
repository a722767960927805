# Question: Dump the totals as JSON to standard output, with typed helpers using string annotations.
import json
import sys
from typing import Callable, Literal, Optional, Tuple


def apply(fn: "Callable[..., int]", values: "Tuple[int, ...]") -> int:
    return sum(fn(v) for v in values)


def paint(color: "Literal['red', 'blue']", shade: "Optional[int]" = None) -> str:
    return f"{color}:{shade}"


class Node:
    def __init__(self, value: int, child: "Optional[Node]" = None):
        self.value = value
        self.child = child

    def depth(self) -> "int":
        return 1 + (self.child.depth() if self.child else 0)


totals = {"apples": apply(lambda x: x * 2, (1, 2, 3)), "colour": paint("red", 3)}
json.dump(totals, sys.stdout, indent=2, sort_keys=True)
print()
print(Node(1, Node(2, Node(3))).depth())
