# Question: Filter orders with query, add a margin column with eval, write one CSV per group and show them.
import sys

import numpy as np
import pandas as pd

orders = pd.DataFrame({
    "region": ["north", "south", "north", "east", "south"],
    "price": [12.0, 8.5, 20.0, 5.0, 14.0],
    "cost": [7.0, 6.0, 11.0, 4.5, 9.0],
    "qty": [3, 10, 1, 8, 2],
})
big = orders.query("qty >= 2 and price > 6")
with_margin = big.eval("margin = (price - cost) * qty")
print(with_margin.sort_values("margin", ascending=False).to_string(index=False))

for i, (region, part) in enumerate(with_margin.groupby("region")):
    part.to_csv(f"part_{i:02d}.csv", index=False)
    print(i, region, len(part))

with_margin.head(2).to_csv(sys.stdout, index=False)
np.savetxt(sys.stdout, with_margin[["price", "qty"]].to_numpy()[:2], fmt="%.1f", delimiter=",")
