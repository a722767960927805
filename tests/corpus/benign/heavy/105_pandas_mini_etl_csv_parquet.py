# Question: Run a small ETL: parse raw CSV text, clean types, enrich with a lookup, aggregate and store.
import io

import pandas as pd
import pyarrow.parquet as pq

raw = """txn_id,when,store_code,amount,currency
T1,2024-05-01 10:15,ST01,25.50,EUR
T2,2024-05-01 11:02,ST02,13.00,GBP
T3,2024-05-01 12:45,ST01,n/a,EUR
T4,2024-05-02 09:30,ST03,80.00,USD
T5,2024-05-02 14:10,ST02,42.25,GBP
T6,2024-05-02 16:55,ST01,19.99,EUR
T7,2024-05-03 08:05,ST03,120.00,USD
"""
stores = pd.DataFrame({"store_code": ["ST01", "ST02", "ST03"], "city": ["Dublin", "Manchester", "Boston"]})
fx_to_eur = {"EUR": 1.0, "GBP": 1.17, "USD": 0.92}

df = pd.read_csv(io.StringIO(raw), na_values=["n/a"], parse_dates=["when"])
bad = df[df["amount"].isna()]
df = df.dropna(subset=["amount"])
df["amount_eur"] = (df["amount"] * df["currency"].map(fx_to_eur)).round(2)
df = df.merge(stores, on="store_code", how="left")
df["day"] = df["when"].dt.date.astype(str)
daily = df.groupby(["day", "city"], as_index=False)["amount_eur"].sum()

df.to_parquet("clean_transactions.parquet", index=False)
daily.to_csv("daily_by_city.csv", index=False)
print("Rejected rows:", bad["txn_id"].tolist())
print(pd.read_csv("daily_by_city.csv").to_string(index=False))
print("Clean rows stored:", len(pq.read_table("clean_transactions.parquet").to_pandas()))
