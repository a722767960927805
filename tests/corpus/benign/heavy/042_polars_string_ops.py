# Question: Parse and normalise messy email and phone columns with polars string expressions.
import polars as pl

contacts = pl.DataFrame({
    "name": ["  Ada Lovelace", "grace HOPPER ", "Alan Turing", "katherine johnson"],
    "email": ["ADA@Example.COM", "grace.hopper@navy.mil ", "alan@bletchley", " kj@nasa.gov"],
    "phone": ["(555) 010-2000", "555.010.3000", "+1 555 010 4000", "5550105000"],
})
clean = contacts.with_columns(
    pl.col("name").str.strip_chars().str.to_titlecase(),
    pl.col("email").str.strip_chars().str.to_lowercase(),
    pl.col("phone").str.replace_all(r"\D", "").str.slice(-10).alias("phone_digits"),
).with_columns(
    pl.col("email").str.contains(r"^[\w.+-]+@[\w-]+\.[a-z]{2,}$").alias("valid_email"),
    pl.col("email").str.split("@").list.last().alias("domain"),
)
print(clean.select("name", "email", "valid_email", "domain", "phone_digits"))
