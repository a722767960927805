# Question: Compare budget and actual spend by cost centre, save the variance report, and list overruns.
import pandas as pd
import pyarrow.parquet as pq

budget = pd.DataFrame({
    "cost_centre": ["CC100", "CC200", "CC300", "CC400", "CC500"],
    "name": ["IT", "HR", "Facilities", "Marketing", "Finance"],
    "budget": [250_000, 90_000, 140_000, 180_000, 75_000],
})
actual_lines = pd.DataFrame({
    "cost_centre": ["CC100", "CC100", "CC200", "CC300", "CC300", "CC400", "CC400", "CC400", "CC500", "CC600"],
    "amount": [130_500, 128_900, 84_000, 70_250, 66_100, 95_000, 60_000, 41_300, 72_400, 5_000],
})
actual = actual_lines.groupby("cost_centre", as_index=False)["amount"].sum().rename(columns={"amount": "actual"})
report = budget.merge(actual, on="cost_centre", how="outer").fillna({"budget": 0, "actual": 0, "name": "UNBUDGETED"})
report["variance"] = report["actual"] - report["budget"]
report["variance_pct"] = (report["variance"] / report["budget"].where(report["budget"] > 0)).round(3)
report.to_parquet("variance_report.parquet", index=False)

saved = pq.read_table("variance_report.parquet").to_pandas()
print(saved.to_string(index=False))
print("\nOverruns:", saved.loc[saved["variance"] > 0, "name"].tolist())
