# Question: Combine customer lists from two systems, deduplicate, and report overlaps.
import polars as pl

crm = pl.DataFrame({"email": ["a@x.com", "b@x.com", "c@x.com", "d@x.com"], "source": ["crm"] * 4})
shop = pl.DataFrame({"email": ["c@x.com", "d@x.com", "e@x.com", "f@x.com", "f@x.com"], "source": ["shop"] * 5})

combined = pl.concat([crm, shop])
unique_emails = combined.select(pl.col("email").unique()).sort("email")
print("Unique customers:", unique_emails.height)
presence = combined.unique().group_by("email").agg(pl.col("source").sort().str.join("+").alias("systems")).sort("email")
print(presence)
print(presence.group_by("systems").agg(pl.len().alias("customers")).sort("systems"))
