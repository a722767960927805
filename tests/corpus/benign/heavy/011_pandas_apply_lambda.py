# Question: Categorize transactions and compute a fee per row using custom rules.
import pandas as pd

tx = pd.DataFrame({
    "id": range(1, 9),
    "amount": [12.5, 250.0, 1999.0, 75.0, 8.0, 560.0, 3200.0, 45.0],
    "method": ["card", "card", "wire", "paypal", "card", "paypal", "wire", "card"],
    "country": ["US", "DE", "US", "FR", "US", "US", "JP", "DE"],
})
tx["size"] = tx["amount"].apply(lambda a: "small" if a < 50 else "medium" if a < 1000 else "large")
fee_rates = {"card": 0.029, "paypal": 0.034, "wire": 0.0}
tx["fee"] = tx.apply(lambda r: round(r["amount"] * fee_rates[r["method"]] + (15 if r["method"] == "wire" else 0.30), 2), axis=1)
tx["intl"] = tx["country"].map(lambda c: c != "US")
print(tx)
print()
print(tx.groupby(["method", "size"])["fee"].sum().unstack(fill_value=0))
