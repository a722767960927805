# Question: Reshape a wide quarterly budget sheet into long format and compute each department's peak quarter.
import pandas as pd

wide = pd.DataFrame({
    "department": ["Engineering", "Marketing", "Sales", "Support"],
    "Q1": [120_000, 45_000, 60_000, 22_000],
    "Q2": [125_000, 52_000, 58_000, 23_500],
    "Q3": [131_000, 38_000, 64_000, 24_000],
    "Q4": [128_000, 61_000, 71_000, 25_250],
})

long = wide.melt(id_vars="department", var_name="quarter", value_name="budget")
print(long.head(8))
print()
peak = long.loc[long.groupby("department")["budget"].idxmax()].set_index("department")
print(peak)
print()
back = long.pivot(index="department", columns="quarter", values="budget")
print("Round trip matches:", back.reset_index().equals(wide.sort_values("department").reset_index(drop=True)))
