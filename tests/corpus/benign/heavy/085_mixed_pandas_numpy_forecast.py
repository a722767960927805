# Question: Forecast next quarter's monthly demand with a linear trend plus monthly seasonality.
import numpy as np
import pandas as pd

idx = pd.date_range("2022-01-01", periods=24, freq="MS")
season = np.tile([0.9, 0.85, 1.0, 1.05, 1.1, 1.2, 1.25, 1.15, 1.0, 0.95, 1.05, 1.3], 2)
rng = np.random.default_rng(1)
demand = pd.Series((1000 + 15 * np.arange(24)) * season + rng.normal(0, 20, 24), index=idx).round(0)

t = np.arange(24)
deseasonalized = demand.values / season
slope, intercept = np.polyfit(t, deseasonalized, 1)
future_t = np.arange(24, 27)
future_idx = pd.date_range("2024-01-01", periods=3, freq="MS")
forecast = pd.Series((intercept + slope * future_t) * season[:3], index=future_idx).round(0)
print(f"Trend: {intercept:.1f} + {slope:.2f} per month")
print(forecast.rename("forecast").to_frame())
fitted = (intercept + slope * t) * season
mape = np.mean(np.abs(demand.values - fitted) / demand.values)
print(f"In-sample MAPE: {mape:.2%}")
