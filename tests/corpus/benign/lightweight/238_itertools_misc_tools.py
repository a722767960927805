# Question: Build a price grid and analyze a sequence of daily order counts with assorted itertools tools.
from itertools import product, starmap, zip_longest, takewhile, dropwhile, compress, repeat, filterfalse
import operator

sizes = {"S": 1.0, "M": 1.2, "L": 1.45}
materials = {"cotton": 12.0, "linen": 18.0}
for (size, sf), (mat, base) in product(sizes.items(), materials.items()):
    print(f"{size} {mat:<7} ${base * sf:6.2f}")

daily = [5, 8, 12, 15, 9, 3, 0, 7, 14]
print("Ramp-up days (<15):", list(takewhile(lambda n: n < 15, daily)))
print("After first quiet day (<5):", list(dropwhile(lambda n: n >= 5, daily)))
print("Days flagged busy:", list(compress(range(1, len(daily) + 1), (n >= 10 for n in daily))))
print("Weekly revenue:", list(starmap(operator.mul, zip(daily, repeat(25)))))
print("Non-zero days:", list(filterfalse(lambda n: n == 0, daily)))
print("Side by side:", list(zip_longest(["Mon", "Tue", "Wed"], [5, 8], fillvalue="n/a")))
