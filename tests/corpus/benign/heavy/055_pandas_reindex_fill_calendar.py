# Question: Fill a sparse daily sales series onto a complete calendar, with zeros for missing days.
import pandas as pd

sparse = pd.Series({"2024-07-01": 320, "2024-07-02": 290, "2024-07-05": 410, "2024-07-08": 385, "2024-07-10": 120})
sparse.index = pd.to_datetime(sparse.index)
full_idx = pd.date_range(sparse.index.min(), sparse.index.max(), freq="D")
full = sparse.reindex(full_idx, fill_value=0)
interp = sparse.reindex(full_idx).interpolate(method="time").round(1)
df = pd.DataFrame({"zero_filled": full, "interpolated": interp})
df.index.name = "date"
print(df)
print("Days with no sales:", int((full == 0).sum()))
