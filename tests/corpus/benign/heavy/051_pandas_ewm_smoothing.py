# Question: Smooth noisy daily demand with an exponentially weighted moving average and compare spans.
import numpy as np
import pandas as pd

rng = np.random.default_rng(31)
idx = pd.date_range("2024-01-01", periods=28, freq="D")
demand = pd.Series(200 + np.arange(28) * 2.5 + rng.normal(0, 18, 28), index=idx).round(1)
out = pd.DataFrame({"demand": demand, "ewm_3": demand.ewm(span=3).mean().round(1), "ewm_7": demand.ewm(span=7).mean().round(1)})
print(out.iloc[::4])
mae = {c: float((out[c] - out["demand"]).abs().mean().round(2)) for c in ["ewm_3", "ewm_7"]}
print("Mean absolute difference from raw:", mae)
