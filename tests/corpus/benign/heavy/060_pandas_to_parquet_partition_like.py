# Question: Save monthly sales summaries to separate Parquet files and combine them again.
import pandas as pd

sales = pd.DataFrame({
    "date": pd.date_range("2024-01-01", periods=90, freq="D"),
})
sales["units"] = (sales.index * 7 % 23 + 5).astype(int)
sales["month"] = sales["date"].dt.strftime("%Y_%m")

names = []
for month in ["2024_01", "2024_02", "2024_03"]:
    part = sales[sales["month"] == month]
    part.to_parquet(f"sales_{month}.parquet", index=False)
    names.append(f"sales_{month}.parquet")
print("Wrote:", names)

# threads and pre-buffering off: pyarrow 19 can abort at interpreter exit when a worker frees pandas' file handle
combined = pd.concat([pd.read_parquet(f"sales_{month}.parquet", use_threads=False, pre_buffer=False) for month in ["2024_01", "2024_02", "2024_03"]], ignore_index=True)
print("Rows:", len(combined), "| equal to original:", combined.equals(sales))
print(combined.groupby("month")["units"].agg(["sum", "mean"]).round(2))
