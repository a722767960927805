# Question: Compute volume-weighted average prices per supplier and compare with simple averages.
import numpy as np
import pandas as pd

purchases = pd.DataFrame({
    "supplier": ["Alpha", "Alpha", "Alpha", "Beta", "Beta", "Gamma", "Gamma", "Gamma"],
    "qty": [100, 500, 50, 300, 300, 20, 1000, 80],
    "unit_price": [4.20, 3.85, 4.50, 3.90, 4.05, 5.10, 3.70, 4.80],
})
out = purchases.groupby("supplier").apply(
    lambda g: pd.Series({
        "simple_avg": g["unit_price"].mean(),
        "weighted_avg": np.average(g["unit_price"], weights=g["qty"]),
        "total_qty": g["qty"].sum(),
    }),
    include_groups=False,
).round(3)
print(out)
print("\nCheapest on a weighted basis:", out["weighted_avg"].idxmin())
