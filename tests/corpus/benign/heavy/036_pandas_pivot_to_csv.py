# Question: Export a weekday x hour heatmap table of support tickets as CSV and read back the busiest cell.
import numpy as np
import pandas as pd

rng = np.random.default_rng(21)
ts = pd.Timestamp("2024-06-03") + pd.to_timedelta(rng.integers(0, 14 * 24 * 60, 600), unit="min")
tickets = pd.DataFrame({"ts": ts})
tickets["weekday"] = tickets["ts"].dt.day_name().str[:3]
tickets["hour_block"] = (tickets["ts"].dt.hour // 6 * 6).map(lambda h: f"{h:02d}-{h + 5:02d}")
heat = tickets.pivot_table(index="weekday", columns="hour_block", values="ts", aggfunc="count", fill_value=0)
heat = heat.reindex(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
heat.to_csv("ticket_heatmap.csv")

back = pd.read_csv("ticket_heatmap.csv", index_col="weekday")
print(back)
stacked = back.stack()
print("Busiest:", stacked.idxmax(), "with", int(stacked.max()), "tickets")
