# Question: Produce a word frequency table from product reviews and save the top words to CSV.
import pandas as pd

reviews = pd.Series([
    "Great battery life and great screen",
    "Battery died after a week, poor quality",
    "Screen is bright, battery is fine",
    "Poor packaging but great value",
    "Value for money, screen could be better",
])
stop = {"and", "a", "is", "but", "for", "be", "after", "could"}
words = reviews.str.lower().str.findall(r"[a-z]+").explode()
freq = words[~words.isin(stop)].value_counts().rename_axis("word").reset_index(name="count")
freq = freq.sort_values(["count", "word"], ascending=[False, True]).head(8)
freq.to_csv("top_words.csv", index=False)
print(pd.read_csv("top_words.csv").to_string(index=False))
