# Question: generic stack dataclass tasks (classes keeping their own state in private attributes).
from typing import Generic, TypeVar, Optional, List
from dataclasses import dataclass, field
T = TypeVar("T")

class Stack(Generic[T]):
    def __init__(self) -> None:
        self._items: List[T] = []

    def push(self, item: T) -> None:
        self._items.append(item)

    def pop(self) -> Optional[T]:
        return self._items.pop() if self._items else None

    def __len__(self) -> int:
        return len(self._items)

@dataclass
class Task:
    name: str
    priority: int = 0
    tags: list = field(default_factory=list)

    def __post_init__(self):
        self._normalized = self.name.strip().lower()

    def key(self):
        return (-self.priority, self._normalized)

s: Stack[Task] = Stack()
for n, p in [("Write", 2), (" read ", 5), ("sleep", 1)]:
    s.push(Task(n, p))
tasks = []
while len(s):
    tasks.append(s.pop())
print([t.name for t in sorted(tasks, key=lambda t: t.key())])
print(sorted(t.key() for t in tasks))
