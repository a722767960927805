# Question: Compute floor area and paint cost for rooms of different shapes.
import math
from abc import ABC, abstractmethod


class Room(ABC):
    def __init__(self, name):
        self.name = name

    @abstractmethod
    def area(self) -> float:
        ...

    def describe(self):
        return f"{self.name:<12} {self.__class__.__name__:<12} {self.area():>7.2f} m2"


class RectangularRoom(Room):
    def __init__(self, name, width, length):
        super().__init__(name)
        self.width, self.length = width, length

    def area(self):
        return self.width * self.length


class CircularRoom(Room):
    def __init__(self, name, radius):
        super().__init__(name)
        self.radius = radius

    def area(self):
        return math.pi * self.radius ** 2


class TriangularRoom(Room):
    def __init__(self, name, base, height):
        super().__init__(name)
        self.base, self.height = base, height

    def area(self):
        return 0.5 * self.base * self.height


rooms = [RectangularRoom("Office", 4, 5.5), CircularRoom("Lobby", 3.2), TriangularRoom("Storage", 6, 3)]
for room in rooms:
    print(room.describe())
total = sum(r.area() for r in rooms)
print(f"Total area {total:.2f} m2; flooring at $32.50/m2 = ${total * 32.5:,.2f}")
try:
    Room("abstract")
except TypeError as exc:
    print("Cannot instantiate Room:", type(exc).__name__)
