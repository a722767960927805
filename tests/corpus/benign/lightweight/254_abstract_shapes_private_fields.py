# Question: abstract shapes private fields (classes keeping their own state in private attributes).
import math
from abc import ABC, abstractmethod

class Shape(ABC):
    def __init__(self, name):
        self._name = name

    @abstractmethod
    def area(self) -> float: ...

    def describe(self):
        return f"{self._name}: {self.area():.2f}"

class Circle(Shape):
    def __init__(self, r):
        super().__init__("circle")
        self._r = r
    def area(self):
        return math.pi * self._r ** 2

class Rect(Shape):
    def __init__(self, w, h):
        super(Rect, self).__init__("rect")
        self._w, self._h = w, h
    def area(self):
        return self._w * self._h

shapes = [Circle(1), Rect(2, 3)]
for s in sorted(shapes, key=lambda s: s.area()):
    print(s.describe())
print(sum(s.area() for s in shapes))
