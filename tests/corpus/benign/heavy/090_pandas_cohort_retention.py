# Question: Build a monthly cohort retention matrix from an activity log.
import numpy as np
import pandas as pd

rng = np.random.default_rng(11)
users = pd.DataFrame({"user": range(300), "signup": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 120, 300), unit="D")})
rows = []
for user, signup in users.itertuples(index=False):
    for month_offset in range(0, 6):
        if rng.random() < 0.85 ** month_offset:
            rows.append((user, signup + pd.DateOffset(months=month_offset)))
activity = pd.DataFrame(rows, columns=["user", "active_date"])
activity = activity[activity["active_date"] < "2024-07-01"]

activity = activity.merge(users, on="user")
activity["cohort"] = activity["signup"].dt.to_period("M")
activity["period"] = (activity["active_date"].dt.to_period("M") - activity["cohort"]).apply(lambda d: d.n)
counts = activity.groupby(["cohort", "period"])["user"].nunique().unstack(fill_value=0)
retention = counts.div(counts[0], axis=0).round(2)
print(counts)
print()
print(retention)
