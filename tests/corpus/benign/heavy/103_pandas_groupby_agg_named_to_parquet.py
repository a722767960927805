# Question: Summarize web sessions per device and browser and store the result in Parquet.
import numpy as np
import pandas as pd

rng = np.random.default_rng(44)
n = 500
sessions = pd.DataFrame({
    "device": rng.choice(["desktop", "mobile", "tablet"], n, p=[0.45, 0.45, 0.1]),
    "browser": rng.choice(["Chrome", "Safari", "Firefox", "Edge"], n, p=[0.55, 0.25, 0.1, 0.1]),
    "duration_s": rng.exponential(240, n).round(0),
    "converted": rng.random(n) < 0.04,
})
summary = sessions.groupby(["device", "browser"]).agg(
    sessions=("duration_s", "size"),
    median_duration=("duration_s", "median"),
    conversion_rate=("converted", "mean"),
).round(3).reset_index()
summary.to_parquet("session_summary.parquet", index=False)
# threads and pre-buffering off: pyarrow 19 can abort at interpreter exit when a worker frees pandas' file handle
back = pd.read_parquet("session_summary.parquet", use_threads=False, pre_buffer=False)
print(back.sort_values("sessions", ascending=False).head(6).to_string(index=False))
print("Total sessions:", int(back["sessions"].sum()))
