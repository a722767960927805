# Question: Summarize delivery performance per carrier: shipments, mean days, on-time rate.
import polars as pl

shipments = pl.DataFrame({
    "carrier": ["DHL", "UPS", "DHL", "FedEx", "UPS", "DHL", "FedEx", "UPS", "DHL", "FedEx"],
    "days": [2, 4, 3, 1, 5, 2, 2, 3, 6, 1],
    "promised": [3, 3, 3, 2, 3, 3, 2, 3, 3, 2],
    "weight_kg": [1.2, 5.5, 0.8, 2.0, 12.3, 3.1, 0.5, 7.7, 4.4, 1.1],
})

summary = (
    shipments.group_by("carrier", maintain_order=True)
    .agg(
        pl.len().alias("shipments"),
        pl.col("days").mean().round(2).alias("mean_days"),
        (pl.col("days") <= pl.col("promised")).mean().round(3).alias("on_time_rate"),
        pl.col("weight_kg").sum().round(1).alias("total_kg"),
    )
    .sort("on_time_rate", descending=True)
)
print(summary)
