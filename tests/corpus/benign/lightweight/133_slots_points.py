# Question: Compute the centroid and bounding box of store locations using a lightweight point class.
import math


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def distance(self, other):
        return math.hypot(self.x - other.x, self.y - other.y)

    def __repr__(self):
        return f"Point({self.x:.2f}, {self.y:.2f})"


stores = {"A": Point(2.0, 3.5), "B": Point(5.5, 1.0), "C": Point(4.0, 6.0), "D": Point(8.0, 4.5), "E": Point(1.5, 0.5)}
cx = sum(p.x for p in stores.values()) / len(stores)
cy = sum(p.y for p in stores.values()) / len(stores)
centroid = Point(cx, cy)
print("Centroid:", centroid)
print("Bounding box:", Point(min(p.x for p in stores.values()), min(p.y for p in stores.values())),
      Point(max(p.x for p in stores.values()), max(p.y for p in stores.values())))
for name, p in sorted(stores.items(), key=lambda kv: kv[1].distance(centroid)):
    print(f"  store {name} is {p.distance(centroid):.2f} km from the centroid")
try:
    centroid.z = 1
except AttributeError:
    print("Point declares __slots__, so extra attributes are rejected")
