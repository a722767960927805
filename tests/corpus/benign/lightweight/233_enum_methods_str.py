# Question: Describe subscription tiers, their limits and monthly prices, and pick the cheapest tier that fits.
from enum import Enum


class Tier(Enum):
    FREE = (0, 1, 1_000)
    TEAM = (29, 10, 50_000)
    BUSINESS = (99, 50, 500_000)
    ENTERPRISE = (499, 1_000, 10_000_000)

    def __init__(self, price, seats, rows):
        self.price = price
        self.seats = seats
        self.rows = rows

    def __str__(self):
        return f"{self.name.title()} (${self.price}/mo, {self.seats} seats, {self.rows:,} rows)"

    @classmethod
    def cheapest_for(cls, seats, rows):
        return min((t for t in cls if t.seats >= seats and t.rows >= rows), key=lambda t: t.price)


for tier in Tier:
    print(tier)
for seats, rows in [(1, 500), (8, 120_000), (40, 200_000), (200, 1_000_000)]:
    print(f"{seats:>4} seats, {rows:>9,} rows -> {Tier.cheapest_for(seats, rows).name}")
