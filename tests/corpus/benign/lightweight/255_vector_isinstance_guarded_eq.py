# Question: vector isinstance guarded eq (classes keeping their own state in private attributes).
class Vector:
    __slots__ = ("_x", "_y")
    def __init__(self, x, y):
        self._x = x
        self._y = y
    def __add__(self, other):
        if not isinstance(other, Vector):
            return NotImplemented
        return Vector(self._x + other._x, self._y + other._y)
    def __mul__(self, k):
        return Vector(self._x * k, self._y * k)
    def __abs__(self):
        return (self._x ** 2 + self._y ** 2) ** 0.5
    def __repr__(self):
        return f"Vector({self._x}, {self._y})"
    def __eq__(self, other):
        if not isinstance(other, Vector):
            return False
        return (self._x, self._y) == (other._x, other._y)
    def __hash__(self):
        return hash((self._x, self._y))
v = Vector(1, 2) + Vector(3, 4) * 2
print(v, abs(v), v == Vector(7, 10), {v, Vector(7, 10)})
print(Vector(1, 2) == 3)
