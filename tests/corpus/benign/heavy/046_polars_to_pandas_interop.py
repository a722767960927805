# Question: Compute cohort sizes in polars, then hand the result to pandas for a formatted pivot.
import pandas as pd
import polars as pl

users = pl.DataFrame({
    "user": [f"u{i}" for i in range(12)],
    "signup_month": ["2024-01", "2024-01", "2024-01", "2024-02", "2024-02", "2024-03", "2024-03", "2024-03", "2024-03", "2024-01", "2024-02", "2024-03"],
    "plan": ["free", "pro", "free", "pro", "free", "free", "pro", "pro", "free", "pro", "pro", "free"],
})
counts = users.group_by(["signup_month", "plan"]).agg(pl.len().alias("users")).sort(["signup_month", "plan"])
pdf = counts.to_pandas()
table = pdf.pivot(index="signup_month", columns="plan", values="users").fillna(0).astype(int)
table["pro_share"] = (table["pro"] / table.sum(axis=1)).round(2)
print(table)
back = pl.from_pandas(table.reset_index())
print(back.schema)
