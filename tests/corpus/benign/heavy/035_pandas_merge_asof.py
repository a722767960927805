# Question: Match each trade with the most recent quote at or before the trade time.
import pandas as pd

quotes = pd.DataFrame({
    "time": pd.to_datetime(["2024-05-01 09:30:00", "2024-05-01 09:30:02", "2024-05-01 09:30:05", "2024-05-01 09:30:09"]),
    "bid": [100.10, 100.12, 100.08, 100.15],
    "ask": [100.14, 100.15, 100.12, 100.19],
})
trades = pd.DataFrame({
    "time": pd.to_datetime(["2024-05-01 09:30:01", "2024-05-01 09:30:05", "2024-05-01 09:30:07", "2024-05-01 09:30:12"]),
    "price": [100.13, 100.12, 100.11, 100.18],
    "qty": [200, 50, 300, 100],
})
m = pd.merge_asof(trades, quotes, on="time", direction="backward")
m["mid"] = ((m["bid"] + m["ask"]) / 2).round(3)
m["side"] = m.apply(lambda r: "buy" if r["price"] >= r["mid"] else "sell", axis=1)
print(m)
print("\nVolume by side:", m.groupby("side")["qty"].sum().to_dict())
