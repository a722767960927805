# Question: Handle missing values in a polars survey dataset: fill, forward-fill and count nulls.
import polars as pl

survey = pl.DataFrame({
    "respondent": [1, 2, 3, 4, 5, 6],
    "age": [34, None, 51, 28, None, 45],
    "income": [52_000.0, 61_000.0, None, 39_000.0, 70_000.0, None],
    "region": ["north", None, "south", "south", "east", None],
})
print("Nulls per column:")
print(survey.null_count())
filled = survey.with_columns(
    pl.col("age").fill_null(strategy="mean").round(0).cast(pl.Int64),
    pl.col("income").fill_null(pl.col("income").median()),
    pl.col("region").fill_null("unknown"),
)
print(filled)
print("Complete rows in original:", survey.drop_nulls().height)
