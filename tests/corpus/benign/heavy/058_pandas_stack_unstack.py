# Question: Compare planned and actual headcount per department and quarter.
import pandas as pd

idx = pd.MultiIndex.from_product([["Eng", "Ops", "Sales"], ["Q1", "Q2"]], names=["dept", "quarter"])
df = pd.DataFrame({"planned": [40, 44, 12, 12, 25, 28], "actual": [38, 45, 12, 11, 22, 27]}, index=idx)
df["gap"] = df["actual"] - df["planned"]
print(df)
print()
print(df["gap"].unstack("quarter"))
print()
stacked = df[["planned", "actual"]].stack()
print(stacked.head(6))
print("Total gap:", int(df["gap"].sum()))
