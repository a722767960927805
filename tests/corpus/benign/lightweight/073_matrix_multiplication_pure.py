# Question: Given unit prices per region and quantities per product, what is revenue per region and quarter?
quantities = [  # rows: quarters, columns: products
    [120, 80, 45],
    [135, 95, 50],
    [150, 70, 60],
    [160, 110, 75],
]
prices = [  # rows: products, columns: regions
    [9.5, 10.0, 8.75],
    [24.0, 25.5, 23.0],
    [49.0, 52.0, 47.5],
]
regions = ["North", "South", "West"]


def matmul(a, b):
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]


revenue = matmul(quantities, prices)
print("Quarter" + "".join(f"{r:>12}" for r in regions))
for q, row in enumerate(revenue, 1):
    print(f"Q{q:<6}" + "".join(f"{v:>12,.2f}" for v in row))
totals = [sum(col) for col in zip(*revenue)]
print("Total  " + "".join(f"{v:>12,.2f}" for v in totals))
