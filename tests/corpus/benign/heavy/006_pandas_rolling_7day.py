# Question: Compute the 7-day rolling average and rolling max of daily signups, and flag spikes.
import pandas as pd

signups = pd.Series(
    [34, 41, 38, 29, 55, 61, 47, 40, 39, 120, 44, 50, 58, 49, 42, 37, 45, 52, 60, 48, 41],
    index=pd.date_range("2024-04-01", periods=21, freq="D"),
    name="signups",
)
frame = signups.to_frame()
frame["avg_7d"] = signups.rolling(7).mean().round(1)
frame["max_7d"] = signups.rolling(7).max()
frame["spike"] = signups > 1.5 * signups.rolling(7, min_periods=1).mean().shift(1)
print(frame)
print("\nSpike days:", [d.strftime("%Y-%m-%d") for d in frame.index[frame["spike"]]])
