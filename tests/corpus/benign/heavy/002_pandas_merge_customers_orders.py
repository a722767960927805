# Question: Join orders to customers and compute revenue per customer segment, including customers with no orders.
import pandas as pd

customers = pd.DataFrame({
    "customer_id": [1, 2, 3, 4, 5],
    "name": ["Acme", "Birch", "Cobalt", "Delta", "Echo"],
    "segment": ["Enterprise", "SMB", "SMB", "Enterprise", "Consumer"],
})
orders = pd.DataFrame({
    "order_id": [101, 102, 103, 104, 105, 106, 107],
    "customer_id": [1, 2, 1, 3, 1, 4, 9],
    "amount": [5000, 320, 2750, 180, 1200, 8900, 75],
})

merged = customers.merge(orders, on="customer_id", how="left")
print(merged.fillna({"amount": 0}).astype({"amount": "int64"}))
print()
per_segment = merged.groupby("segment").agg(customers=("customer_id", "nunique"), orders=("order_id", "count"), revenue=("amount", "sum"))
print(per_segment)
check = orders.merge(customers, on="customer_id", how="left", indicator=True)
orphans = check[check["_merge"] == "left_only"]
print("\nOrders with unknown customer:", orphans["order_id"].tolist())
