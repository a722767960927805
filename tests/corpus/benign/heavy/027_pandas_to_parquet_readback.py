# Question: Persist cleaned customer data with proper dtypes to Parquet and check dtypes survive.
import pandas as pd

df = pd.DataFrame({
    "customer_id": [101, 102, 103, 104],
    "signup": pd.to_datetime(["2023-01-15", "2023-06-02", "2024-02-29", "2024-05-10"]),
    "tier": pd.Categorical(["gold", "silver", "gold", "bronze"], categories=["bronze", "silver", "gold"], ordered=True),
    "lifetime_value": [2400.5, 310.0, 1875.25, 90.0],
    "active": [True, False, True, True],
})
df.to_parquet("result.parquet", index=False)

# threads and pre-buffering off: pyarrow 19 can abort at interpreter exit when a worker frees pandas' file handle
back = pd.read_parquet("result.parquet", use_threads=False, pre_buffer=False)
print(back.dtypes)
print()
print(back.sort_values("tier", ascending=False))
print("\nFrames equal:", back.equals(df))
print("Gold LTV:", back.loc[back["tier"] == "gold", "lifetime_value"].sum())
