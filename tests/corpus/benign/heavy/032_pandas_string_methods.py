# Question: Clean product names and extract size and color attributes with pandas string methods.
import pandas as pd

s = pd.Series(["  T-Shirt - Red - L", "t-shirt - blue - m ", "HOODIE - Black - XL", "Cap - red - One Size", "hoodie - grey - s"])
df = s.str.strip().str.split(" - ", expand=True)
df.columns = ["item", "color", "size"]
df["item"] = df["item"].str.title()
df["color"] = df["color"].str.lower()
df["size"] = df["size"].str.upper().replace({"ONE SIZE": "OS"})
df["is_top"] = df["item"].str.contains("Shirt|Hoodie", regex=True)
df["sku"] = df["item"].str[:2].str.upper() + "-" + df["color"].str[:3].str.upper() + "-" + df["size"]
print(df)
print()
print(df["color"].value_counts().sort_index())
