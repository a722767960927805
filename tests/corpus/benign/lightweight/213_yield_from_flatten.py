# Question: Flatten a nested bill of materials and total the component quantities.
from collections import Counter

bom = {
    "Bicycle": [("Frame", 1), ("Wheel", 2), ("Drivetrain", 1)],
    "Wheel": [("Rim", 1), ("Spoke", 32), ("Tire", 1), ("Hub", 1)],
    "Drivetrain": [("Chain", 1), ("Crankset", 1), ("Cassette", 1), ("Pedal", 2)],
    "Crankset": [("Crank arm", 2), ("Chainring", 1)],
}


def explode(item, qty=1):
    if item not in bom:
        yield item, qty
        return
    for child, n in bom[item]:
        yield from explode(child, qty * n)


def walk(item, depth=0):
    yield depth, item
    for child, _ in bom.get(item, []):
        yield from walk(child, depth + 1)


for depth, item in walk("Bicycle"):
    print("  " * depth + item)
parts = Counter()
for part, qty in explode("Bicycle"):
    parts[part] += qty
print("Leaf components for 1 bicycle:", dict(parts))
print("For 25 bicycles, spokes needed:", parts["Spoke"] * 25)
