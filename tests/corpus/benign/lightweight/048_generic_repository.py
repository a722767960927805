# Question: Keep typed in-memory collections of products and suppliers and query them.
from dataclasses import dataclass
from typing import Callable, Generic, Iterator, Optional, TypeVar

T = TypeVar("T")


class Repository(Generic[T]):
    def __init__(self) -> None:
        self._items: dict[int, T] = {}

    def add(self, key: int, item: T) -> None:
        self._items[key] = item

    def get(self, key: int) -> Optional[T]:
        return self._items.get(key)

    def find(self, predicate: Callable[[T], bool]) -> Iterator[T]:
        return (item for item in self._items.values() if predicate(item))

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Product:
    name: str
    price: float


@dataclass
class Supplier:
    name: str
    country: str


products: Repository[Product] = Repository()
for i, (n, p) in enumerate([("Desk", 240.0), ("Lamp", 35.0), ("Chair", 129.0), ("Shelf", 80.0)]):
    products.add(i, Product(n, p))
suppliers: Repository[Supplier] = Repository()
suppliers.add(1, Supplier("Nordic Wood", "SE"))
suppliers.add(2, Supplier("LightCo", "DE"))

print(len(products), "products;", len(suppliers), "suppliers")
print("Under $100:", [p.name for p in products.find(lambda p: p.price < 100)])
print("Supplier 2:", suppliers.get(2))
print("Supplier 9:", suppliers.get(9))
