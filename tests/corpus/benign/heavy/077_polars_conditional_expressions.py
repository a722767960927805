# Question: Classify loans by risk using polars when/then rules and summarise exposure per class.
import polars as pl

loans = pl.DataFrame({
    "loan_id": range(1, 11),
    "amount": [12_000, 250_000, 48_000, 5_000, 120_000, 75_000, 9_500, 310_000, 62_000, 18_000],
    "credit_score": [710, 640, 580, 790, 690, 560, 750, 720, 610, 680],
    "dti": [0.22, 0.41, 0.48, 0.10, 0.35, 0.52, 0.18, 0.29, 0.44, 0.31],
})
risk = (
    pl.when((pl.col("credit_score") < 600) | (pl.col("dti") > 0.5)).then(pl.lit("high"))
    .when((pl.col("credit_score") < 680) | (pl.col("dti") > 0.4)).then(pl.lit("medium"))
    .otherwise(pl.lit("low"))
)
classified = loans.with_columns(risk.alias("risk"))
print(classified)
summary = classified.group_by("risk").agg(pl.len().alias("loans"), pl.col("amount").sum().alias("exposure")).sort("exposure", descending=True)
print(summary)
