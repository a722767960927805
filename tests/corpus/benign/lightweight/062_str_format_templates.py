# Question: Build customer notification messages from literal templates with str.format.
orders = [("Priya", 31, 1250000, ["Laptop", "Dock"]), ("Tom", 45, 980, ["Cable"]), ("Lena", 28, 15340, ["Monitor", "Arm", "Lamp"])]

for name, age, points, items in orders:
    print("{name} is {age}".format(name=name, age=age))
    print("  loyalty points: {:,}".format(points))
    print("  first item: {0[0]}, item count: {1}".format(items, len(items)))
    print("  {0:<8}|{1:^8}|{2:>8}".format(name[:8], age, points % 1000))

print("{:.3f} | {:>10} | {:*^12}".format(2 / 3, "right", "mid"))
print("Totals: {total:,.2f} over {n} customers".format(total=sum(o[2] for o in orders) / 100, n=len(orders)))
