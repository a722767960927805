# Question: What are total, average and count of sales per region, sorted by total?
import pandas as pd

df = pd.DataFrame({
    "region": ["North", "South", "East", "West", "North", "South", "East", "West", "North", "East"],
    "rep": ["Ann", "Bo", "Cy", "Di", "Ann", "Eve", "Cy", "Di", "Fay", "Gus"],
    "amount": [1200.0, 850.5, 430.0, 990.0, 310.25, 1500.0, 720.0, 115.0, 640.0, 205.75],
})

summary = (
    df.groupby("region")["amount"]
    .agg(total="sum", average="mean", orders="count")
    .sort_values("total", ascending=False)
    .round(2)
)
print(summary)
print()
print("Share of total:")
print((summary["total"] / summary["total"].sum()).map("{:.1%}".format))
