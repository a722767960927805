# Question: Rank products by revenue within each category and show the cumulative share.
import pandas as pd

df = pd.DataFrame({
    "category": ["Audio", "Audio", "Audio", "Video", "Video", "Video", "Video", "Gaming", "Gaming"],
    "product": ["Buds", "Speaker", "Headset", "TV 55", "TV 65", "Soundbar", "Projector", "Console", "Controller"],
    "revenue": [52_000, 31_000, 44_500, 120_000, 98_000, 27_500, 15_000, 210_000, 46_000],
})
df = df.sort_values(["category", "revenue"], ascending=[True, False])
df["rank"] = df.groupby("category")["revenue"].rank(ascending=False, method="dense").astype(int)
df["cum_share"] = (df.groupby("category")["revenue"].cumsum() / df.groupby("category")["revenue"].transform("sum")).round(3)
print(df.to_string(index=False))
print()
print("Leaders:", df[df["rank"] == 1].set_index("category")["product"].to_dict())
