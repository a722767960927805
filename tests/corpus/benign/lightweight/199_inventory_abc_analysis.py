# Question: Classify SKUs into A/B/C by cumulative share of annual consumption value.
skus = {
    "S01": (1_200, 45.0), "S02": (300, 320.0), "S03": (8_000, 2.5), "S04": (150, 900.0), "S05": (2_400, 12.0),
    "S06": (50, 75.0), "S07": (600, 60.0), "S08": (10_000, 0.8), "S09": (90, 1_450.0), "S10": (400, 15.0),
}

values = sorted(((sku, qty * cost) for sku, (qty, cost) in skus.items()), key=lambda kv: kv[1], reverse=True)
total = sum(v for _, v in values)
cumulative = 0.0
classes = {"A": [], "B": [], "C": []}
print(f"{'SKU':<5}{'Value':>12}{'Share':>8}{'Cum.':>8}  Class")
for sku, value in values:
    cumulative += value
    share = cumulative / total
    cls = "A" if share <= 0.80 or not classes["A"] else "B" if share <= 0.95 else "C"
    classes[cls].append(sku)
    print(f"{sku:<5}{value:>12,.0f}{value / total:>8.1%}{share:>8.1%}  {cls}")
for cls, members in classes.items():
    print(f"Class {cls}: {len(members)} SKUs {members}")
