# Question: Build a month x product revenue pivot table with totals.
import pandas as pd

sales = pd.DataFrame({
    "date": pd.to_datetime(["2024-01-05", "2024-01-17", "2024-02-03", "2024-02-20", "2024-03-08", "2024-03-22",
                            "2024-01-29", "2024-02-11", "2024-03-15", "2024-03-30"]),
    "product": ["Basic", "Pro", "Basic", "Pro", "Basic", "Enterprise", "Enterprise", "Basic", "Pro", "Pro"],
    "revenue": [490, 1990, 539, 2189, 441, 14990, 14500, 588, 1791, 995],
})
sales["month"] = sales["date"].dt.strftime("%Y-%m")

pivot = pd.pivot_table(sales, index="month", columns="product", values="revenue", aggfunc="sum", fill_value=0, margins=True, margins_name="Total")
print(pivot)
print()
print("Month with highest revenue:", pivot.drop(index="Total")["Total"].idxmax())
