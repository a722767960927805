# Question: Save the store sales with writer options to Parquet, CSV and NPZ, then read them back.
import io

import numpy as np
import pandas as pd

raw = """date;store;sales
2024-01-01;A;10.5
2024-01-01;B;7.25
2024-01-02;A;3.0
2024-01-02;B;12.75
2024-01-03;A;8.5
"""
df = pd.read_csv(io.StringIO(raw), sep=";", parse_dates=["date"], dtype={"store": "category"})
df.to_parquet("sales.parquet", index=False, compression="gzip", row_group_size=2)
back = pd.read_parquet("sales.parquet", columns=["store", "sales"], filters=[("sales", ">", 5)])
print(back.to_string(index=False))

df.to_csv("sales.csv", index=False, float_format="%.2f", date_format="%Y-%m-%d")
with open("sales.csv", encoding="utf-8") as f:
    print(f.read())

np.savez("arrays.npz", sales=df["sales"].to_numpy(), stores=np.arange(3))
with np.load("arrays.npz") as data:
    print(sorted(data.files), float(data["sales"].sum()))
