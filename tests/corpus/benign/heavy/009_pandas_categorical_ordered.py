# Question: Summarize customer satisfaction ratings, keeping the natural order of the rating labels.
import pandas as pd

levels = ["Very poor", "Poor", "Neutral", "Good", "Excellent"]
responses = pd.DataFrame({
    "store": ["A", "A", "B", "B", "B", "C", "C", "A", "C", "B", "A", "C"],
    "rating": ["Good", "Excellent", "Poor", "Neutral", "Good", "Very poor", "Good", "Good", "Excellent", "Good", "Neutral", "Poor"],
})
responses["rating"] = pd.Categorical(responses["rating"], categories=levels, ordered=True)

print(responses["rating"].value_counts(sort=False))
print()
table = pd.crosstab(responses["store"], responses["rating"])
print(table)
print()
print("Median rating per store:")
print(responses.groupby("store", observed=True)["rating"].agg(lambda s: s.cat.codes.median()).map(lambda c: levels[int(c)]))
print("Ratings at least Good:", int((responses["rating"] >= "Good").sum()))
