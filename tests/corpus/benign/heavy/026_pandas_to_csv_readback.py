# Question: Write a per-region summary to CSV in the output folder and confirm it reads back the same.
import pandas as pd

raw = pd.DataFrame({
    "region": ["North", "South", "North", "East", "South", "East", "West"],
    "orders": [12, 7, 9, 15, 4, 6, 11],
    "revenue": [1440.0, 910.5, 1101.25, 2005.0, 388.0, 702.0, 1320.75],
})
summary = raw.groupby("region", as_index=False).agg(orders=("orders", "sum"), revenue=("revenue", "sum"))
summary["aov"] = (summary["revenue"] / summary["orders"]).round(2)
summary.to_csv("summary.csv", index=False)

back = pd.read_csv("summary.csv")
print(back)
print("Identical after round trip:", back.equals(summary))
print("Best AOV region:", back.loc[back["aov"].idxmax(), "region"])
