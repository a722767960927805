# A heavy-tier program: pandas, and files written to the job's output folder.
import pandas as pd

sales = pd.DataFrame(
    {
        "region": ["north", "south", "north", "east", "south", "east"],
        "amount": [120.0, 80.5, 99.5, 45.0, 130.0, 60.0],
    }
)
summary = sales.groupby("region", as_index=False)["amount"].agg(["sum", "mean"])
summary.to_parquet(f"{OUTPUT_DIR}/summary.parquet")
summary.to_csv("summary.csv", index=False)
print(summary.to_string(index=False))
