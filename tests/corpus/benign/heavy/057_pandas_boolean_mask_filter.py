# Question: Filter listings by budget, size and city, and compute price per square metre.
import pandas as pd

homes = pd.DataFrame({
    "id": range(1, 9),
    "city": ["Porto", "Lisbon", "Porto", "Faro", "Lisbon", "Lisbon", "Porto", "Faro"],
    "price": [310_000, 520_000, 245_000, 390_000, 610_000, 455_000, 199_000, 275_000],
    "sqm": [95, 110, 80, 120, 130, 88, 62, 70],
    "bedrooms": [2, 3, 2, 3, 4, 2, 1, 2],
})
homes["price_per_sqm"] = (homes["price"] / homes["sqm"]).round(0)
max_budget = 460_000
mask = (homes["bedrooms"] >= 2) & (homes["price"] <= max_budget) & (homes["city"] != "Faro")
picked = homes[mask].sort_values("price_per_sqm")
print(picked.to_string(index=False))
print("\nMedian price/sqm by city:")
print(homes.groupby("city")["price_per_sqm"].median())
