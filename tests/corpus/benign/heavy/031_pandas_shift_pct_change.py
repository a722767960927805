# Question: Month-over-month and year-over-year growth of subscription revenue.
import pandas as pd

idx = pd.period_range("2023-01", "2024-06", freq="M")
revenue = pd.Series([410, 425, 431, 450, 462, 470, 468, 480, 495, 510, 530, 560,
                     575, 590, 598, 615, 640, 655], index=idx, name="mrr_k")
df = revenue.to_frame()
df["mom"] = df["mrr_k"].pct_change().round(4)
df["yoy"] = df["mrr_k"].pct_change(12).round(4)
df["diff"] = df["mrr_k"].diff()
df["prev"] = df["mrr_k"].shift(1)
print(df.tail(8))
print(f"\nAverage MoM growth 2024: {df.loc['2024', 'mom'].mean():.2%}")
