# Question: Parse order timestamps and break down orders by weekday, hour and quarter.
import pandas as pd

df = pd.DataFrame({"ts": ["2024-02-05 09:14:00", "2024-02-05 17:40:00", "2024-02-06 11:02:00", "2024-04-10 08:55:00",
                          "2024-04-12 19:30:00", "2024-07-13 21:05:00", "2024-07-15 12:12:00", "2024-10-01 10:10:00"],
                   "amount": [54.2, 120.0, 33.1, 78.45, 210.0, 15.99, 64.0, 99.9]})
df["ts"] = pd.to_datetime(df["ts"])
df["weekday"] = df["ts"].dt.day_name()
df["hour"] = df["ts"].dt.hour
df["quarter"] = df["ts"].dt.quarter
df["is_weekend"] = df["ts"].dt.dayofweek >= 5
df["month_end"] = df["ts"].dt.to_period("M").dt.end_time.dt.date
print(df)
print()
print(df.groupby("quarter")["amount"].sum())
print("Evening orders (>= 17h):", int((df["hour"] >= 17).sum()))
