# Question: Revenue by region and channel, with each channel's share within its region.
import pandas as pd

df = pd.DataFrame({
    "region": ["EU", "EU", "EU", "US", "US", "US", "APAC", "APAC", "EU", "US"],
    "channel": ["web", "store", "app", "web", "store", "app", "web", "app", "web", "web"],
    "revenue": [1200, 800, 300, 2500, 1100, 900, 650, 400, 350, 700],
})
g = df.groupby(["region", "channel"])["revenue"].sum()
share = (g / g.groupby(level="region").transform("sum")).round(3)
out = pd.DataFrame({"revenue": g, "share_in_region": share})
print(out)
print()
print(out.xs("web", level="channel"))
print()
print(g.unstack(fill_value=0))
