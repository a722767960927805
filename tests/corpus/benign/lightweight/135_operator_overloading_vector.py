# Question: Combine weekly demand vectors for three warehouses and compute scaled forecasts.
class Demand:
    def __init__(self, *values):
        self.values = tuple(values)

    def __add__(self, other):
        return Demand(*(a + b for a, b in zip(self.values, other.values)))

    def __sub__(self, other):
        return Demand(*(a - b for a, b in zip(self.values, other.values)))

    def __mul__(self, k):
        return Demand(*(round(v * k, 1) for v in self.values))

    __rmul__ = __mul__

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return self.values[i]

    def __abs__(self):
        return sum(abs(v) for v in self.values)

    def __repr__(self):
        return f"Demand{self.values}"


north = Demand(120, 135, 128, 150)
south = Demand(80, 76, 90, 95)
west = Demand(60, 64, 70, 58)
total = north + south + west
print("Total demand:", total)
print("Forecast +8%:", total * 1.08)
print("Half of west:", 0.5 * west)
print("North minus south:", north - south, "| abs deviation:", abs(north - south))
print("Week 3 total:", total[2], "| weeks:", len(total))
