# Question: Upsample 3-hourly temperature readings to hourly and interpolate the gaps.
import pandas as pd

readings = pd.Series([12.0, 10.5, 9.8, 14.2, 19.5, 21.0, 17.3, 14.1],
                     index=pd.date_range("2024-05-10 00:00", periods=8, freq="3h"), name="temp_c")
hourly = readings.resample("h").interpolate(method="linear").round(2)
print(hourly.head(10))
print("Daily min/max/mean:", hourly.agg(["min", "max", "mean"]).round(2).to_dict())
print("Hours above 18C:", int((hourly > 18).sum()))
