# Question: What share of each marketing channel's leads converted at each stage?
import pandas as pd

leads = pd.DataFrame({
    "channel": ["ads", "ads", "seo", "seo", "seo", "email", "email", "ads", "seo", "email", "ads", "email", "seo", "ads"],
    "stage": ["won", "lost", "won", "open", "won", "lost", "won", "open", "lost", "won", "won", "open", "won", "lost"],
})
print(pd.crosstab(leads["channel"], leads["stage"]))
print()
print(pd.crosstab(leads["channel"], leads["stage"], normalize="index").round(3))
print()
print("Win rate by channel:", (leads.assign(won=leads["stage"].eq("won")).groupby("channel")["won"].mean().round(2)).to_dict())
