# Question: Convert UTC event timestamps to local time for regional dashboards.
import pandas as pd

events = pd.DataFrame({
    "event": ["signup", "purchase", "refund", "login", "purchase"],
    "utc": pd.to_datetime(["2024-03-09 23:30", "2024-03-10 07:15", "2024-03-10 12:00", "2024-03-31 00:45", "2024-03-31 02:30"], utc=True),
})
events["new_york"] = events["utc"].dt.tz_convert("America/New_York")
events["berlin"] = events["utc"].dt.tz_convert("Europe/Berlin")
events["berlin_date"] = events["berlin"].dt.date
print(events.to_string(index=False))
print()
print(events.groupby("berlin_date")["event"].count())
