# Question: Track the all-time high of a portfolio value and the drawdown from that peak.
import pandas as pd

values = pd.Series(
    [100.0, 102.5, 101.8, 105.2, 104.0, 99.5, 97.8, 101.1, 106.4, 108.0, 103.9, 109.5],
    index=pd.period_range("2023-01", periods=12, freq="M"),
)
df = pd.DataFrame({"value": values})
df["all_time_high"] = df["value"].expanding().max()
df["drawdown"] = (df["value"] / df["all_time_high"] - 1).round(4)
df["running_mean"] = df["value"].expanding().mean().round(2)
print(df)
worst = df["drawdown"].idxmin()
print(f"\nMax drawdown {df.loc[worst, 'drawdown']:.2%} in {worst}")
