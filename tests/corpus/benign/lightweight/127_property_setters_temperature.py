# Question: Store cold-chain temperature thresholds with validation and unit conversion.
class Threshold:
    def __init__(self, product, celsius):
        self.product = product
        self.celsius = celsius

    @property
    def celsius(self):
        return self._celsius

    @celsius.setter
    def celsius(self, value):
        if value < -80 or value > 60:
            raise ValueError(f"{value}C is not a plausible storage temperature")
        self._celsius = round(value, 1)

    @property
    def fahrenheit(self):
        return self._celsius * 9 / 5 + 32

    @fahrenheit.setter
    def fahrenheit(self, value):
        self.celsius = (value - 32) * 5 / 9

    def __repr__(self):
        return f"{type(self).__name__}({self.product!r}, {self.celsius}C / {self.fahrenheit:.1f}F)"


items = [Threshold("vaccines", 5), Threshold("ice cream", -18), Threshold("chocolate", 16)]
items[2].fahrenheit = 64.4
for item in items:
    print(item)
try:
    items[0].celsius = -120
except ValueError as exc:
    print("Rejected:", exc)
print("Still:", items[0])
