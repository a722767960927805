# Question: Pivot quarterly KPI values per team in polars and unpivot them back to long form.
import polars as pl

long = pl.DataFrame({
    "team": ["alpha", "alpha", "alpha", "beta", "beta", "beta", "gamma", "gamma"],
    "quarter": ["Q1", "Q2", "Q3", "Q1", "Q2", "Q3", "Q1", "Q3"],
    "nps": [41, 45, 52, 30, 33, 31, 55, 58],
})
wide = long.pivot(on="quarter", index="team", values="nps").sort("team")
print(wide)
back = wide.unpivot(index="team", variable_name="quarter", value_name="nps").drop_nulls().sort(["team", "quarter"])
print(back)
print("Round trip row count matches:", back.height == long.height)
