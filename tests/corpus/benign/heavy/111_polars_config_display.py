# Question: Show every row of a small polars table, then a shorter view.
import polars as pl

pl.Config.set_tbl_rows(50)
df = pl.DataFrame({"day": list(range(1, 16)), "visits": [i * 7 % 11 for i in range(15)]})
print(df)
with pl.Config(tbl_rows=6):
    print(df)
