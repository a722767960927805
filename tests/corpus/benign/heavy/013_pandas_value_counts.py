# Question: What are the most common support ticket categories and their share?
import pandas as pd

tickets = pd.Series(["billing", "login", "billing", "bug", "feature", "login", "billing", "bug", "login", "billing",
                     "refund", "bug", "login", "billing", "other", "refund", "login"], name="category")
counts = tickets.value_counts()
shares = tickets.value_counts(normalize=True).round(3)
print(pd.DataFrame({"count": counts, "share": shares}))
print()
print("Top 3:", counts.head(3).index.tolist())
print("Binned ticket ages:")
ages = pd.Series([1, 3, 7, 12, 2, 30, 45, 5, 9, 16, 60, 4])
print(ages.value_counts(bins=[0, 7, 14, 30, 90], sort=False))
