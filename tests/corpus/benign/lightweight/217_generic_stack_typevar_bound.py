# Question: Keep the best-scoring candidates of different types with a typed top-N container.
from dataclasses import dataclass
from typing import Generic, TypeVar, Protocol
import heapq


class Scored(Protocol):
    score: float


S = TypeVar("S", bound=Scored)


class TopN(Generic[S]):
    def __init__(self, n: int) -> None:
        self.n = n
        self._heap: list[tuple[float, int, S]] = []
        self._counter = 0

    def push(self, item: S) -> None:
        self._counter += 1
        entry = (item.score, self._counter, item)
        if len(self._heap) < self.n:
            heapq.heappush(self._heap, entry)
        elif entry > self._heap[0]:
            heapq.heapreplace(self._heap, entry)

    def items(self) -> list[S]:
        return [e[2] for e in sorted(self._heap, reverse=True)]


@dataclass
class Lead:
    company: str
    score: float


@dataclass
class Article:
    title: str
    score: float


leads: TopN[Lead] = TopN(3)
for company, score in [("Acme", 72.5), ("Birch", 91.0), ("Cobalt", 64.0), ("Delta", 88.2), ("Echo", 95.5)]:
    leads.push(Lead(company, score))
articles: TopN[Article] = TopN(2)
for title, score in [("Q2 outlook", 0.61), ("Pricing tips", 0.83), ("Hiring update", 0.42)]:
    articles.push(Article(title, score))
print("Top leads:", [(l.company, l.score) for l in leads.items()])
print("Top articles:", [a.title for a in articles.items()])
