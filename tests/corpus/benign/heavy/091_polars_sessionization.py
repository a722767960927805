# Question: Split page views into sessions (30-minute inactivity gap) and measure session length.
from datetime import datetime, timedelta

import polars as pl

base = datetime(2024, 3, 1, 9, 0)
offsets = {"u1": [0, 5, 12, 50, 55, 140], "u2": [3, 8, 9, 45, 46, 47, 120], "u3": [30]}
rows = [(u, base + timedelta(minutes=m)) for u, mins in offsets.items() for m in mins]
views = pl.DataFrame(rows, schema=["user", "ts"], orient="row")

sessions = (
    views.sort(["user", "ts"])
    .with_columns((pl.col("ts").diff().over("user") > pl.duration(minutes=30)).fill_null(True).alias("new_session"))
    .with_columns(pl.col("new_session").cast(pl.Int32).cum_sum().over("user").alias("session_no"))
    .group_by(["user", "session_no"])
    .agg(pl.col("ts").min().alias("start"), pl.col("ts").max().alias("end"), pl.len().alias("views"))
    .with_columns((pl.col("end") - pl.col("start")).dt.total_minutes().alias("minutes"))
    .sort(["user", "session_no"])
)
print(sessions)
print(sessions.group_by("user").agg(pl.len().alias("sessions"), pl.col("minutes").mean().alias("avg_minutes")).sort("user"))
