# Question: Compute unit economics per marketing campaign in a single method chain.
import pandas as pd

campaigns = pd.DataFrame({
    "campaign": ["spring_search", "spring_social", "summer_search", "summer_video", "autumn_email"],
    "spend": [12_000, 8_500, 15_000, 22_000, 1_800],
    "clicks": [9_400, 12_100, 10_800, 6_200, 2_900],
    "customers": [310, 190, 402, 260, 95],
    "avg_revenue": [140.0, 118.0, 151.0, 165.0, 122.0],
})
report = (
    campaigns
    .assign(cpc=lambda d: (d.spend / d.clicks).round(2),
            cac=lambda d: (d.spend / d.customers).round(2),
            conv_rate=lambda d: (d.customers / d.clicks).round(4),
            roas=lambda d: (d.customers * d.avg_revenue / d.spend).round(2))
    .sort_values("roas", ascending=False)
    .set_index("campaign")
)
print(report)
print("\nCampaigns with ROAS < 2:", report.index[report.roas < 2].tolist())
