# Question: Clean a sensor dataset with missing values and report what was filled or dropped.
import numpy as np
import pandas as pd

df = pd.DataFrame({
    "sensor": ["s1", "s1", "s1", "s2", "s2", "s2", "s3", "s3", "s3"],
    "temp": [21.5, np.nan, 22.1, 19.0, 19.4, np.nan, np.nan, np.nan, np.nan],
    "humidity": [40.0, 41.0, np.nan, 55.0, np.nan, 56.5, 60.0, np.nan, 61.0],
})
print("Missing before:")
print(df.isna().sum())

cleaned = df.copy()
cleaned["temp"] = cleaned.groupby("sensor")["temp"].transform(lambda s: s.ffill())
cleaned["humidity"] = cleaned["humidity"].fillna(cleaned.groupby("sensor")["humidity"].transform("mean"))
dropped = cleaned[cleaned["temp"].isna()]
cleaned = cleaned.dropna(subset=["temp"])
print("\nCleaned:")
print(cleaned.round(2))
print(f"\nDropped {len(dropped)} row(s) from sensors {sorted(dropped['sensor'].unique())}")
