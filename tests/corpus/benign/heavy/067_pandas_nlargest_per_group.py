# Question: List the top 2 best-selling products in each store.
import pandas as pd

df = pd.DataFrame({
    "store": ["A", "A", "A", "A", "B", "B", "B", "C", "C", "C", "C"],
    "product": ["milk", "bread", "eggs", "coffee", "milk", "tea", "bread", "eggs", "coffee", "milk", "juice"],
    "units": [320, 410, 280, 150, 290, 120, 330, 200, 260, 240, 90],
})
top2 = df.sort_values(["store", "units"], ascending=[True, False]).groupby("store").head(2)
print(top2.to_string(index=False))
print()
print(df.groupby("store")["units"].nlargest(1).reset_index(level=1, drop=True))
