# Question: Find and remove duplicate customer records, keeping the most recently updated one.
import pandas as pd

df = pd.DataFrame({
    "email": ["a@x.com", "b@y.com", "A@X.com ", "c@z.com", "b@y.com", "d@w.com"],
    "name": ["Ann", "Bob", "Ann B.", "Cat", "Robert", "Dan"],
    "updated": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-03-05", "2024-01-20", "2024-01-15", "2024-02-28"]),
})
df["email_key"] = df["email"].str.strip().str.lower()
print("Duplicate keys:", df.loc[df.duplicated("email_key", keep=False), "email_key"].unique().tolist())
deduped = df.sort_values("updated").drop_duplicates("email_key", keep="last").sort_values("email_key")
print(deduped[["email_key", "name", "updated"]].to_string(index=False))
print(f"Removed {len(df) - len(deduped)} duplicate row(s)")
