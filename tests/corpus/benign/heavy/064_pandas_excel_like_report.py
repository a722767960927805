# Question: Build a formatted P&L statement table by month from a general-ledger extract.
import io

import pandas as pd

gl = pd.read_csv(io.StringIO("""date,account,amount
2024-01-15,Revenue,52000
2024-01-20,COGS,-21000
2024-01-31,Salaries,-18000
2024-01-31,Rent,-4000
2024-02-14,Revenue,48500
2024-02-18,COGS,-19800
2024-02-29,Salaries,-18000
2024-02-29,Rent,-4000
2024-02-29,Marketing,-3500
2024-03-10,Revenue,61200
2024-03-15,COGS,-24100
2024-03-31,Salaries,-18500
2024-03-31,Rent,-4000
2024-03-31,Marketing,-5200
"""), parse_dates=["date"])
gl["month"] = gl["date"].dt.to_period("M")
pl_table = gl.pivot_table(index="account", columns="month", values="amount", aggfunc="sum", fill_value=0)
order = ["Revenue", "COGS", "Salaries", "Rent", "Marketing"]
pl_table = pl_table.reindex(order)
pl_table.loc["Gross profit"] = pl_table.loc["Revenue"] + pl_table.loc["COGS"]
pl_table.loc["Net income"] = pl_table.loc[order].sum()
pl_table["Q1"] = pl_table.sum(axis=1)
print(pl_table.map(lambda v: f"{v:,.0f}"))
margin = pl_table.loc["Net income"] / pl_table.loc["Revenue"]
print("\nNet margin:", margin.map("{:.1%}".format).rename(index=str).to_dict())
