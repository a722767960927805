# Question: Which pairs and triples of products can be bundled for under $50?
from itertools import combinations

products = {"Mouse": 19.99, "Keyboard": 34.50, "Mousepad": 7.25, "Webcam": 42.00, "USB hub": 15.75, "Headset": 29.90}
limit = 50.0

for size in (2, 3):
    bundles = [
        (combo, sum(products[p] for p in combo))
        for combo in combinations(sorted(products), size)
        if sum(products[p] for p in combo) < limit
    ]
    bundles.sort(key=lambda b: b[1], reverse=True)
    print(f"{len(bundles)} bundles of {size} under ${limit:.0f}:")
    for combo, price in bundles[:5]:
        print(f"  {' + '.join(combo):<36} ${price:.2f}")
