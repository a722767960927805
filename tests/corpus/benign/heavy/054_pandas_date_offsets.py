# Question: Compute invoice due dates (net 30, end of month, next business day) for a batch of invoices.
import pandas as pd
from pandas.tseries.offsets import BDay, MonthEnd

inv = pd.DataFrame({"invoice": ["A1", "A2", "A3", "A4"], "issued": pd.to_datetime(["2024-01-15", "2024-01-31", "2024-02-27", "2024-03-29"])})
inv["net30"] = inv["issued"] + pd.Timedelta(days=30)
inv["eom"] = inv["issued"] + MonthEnd(0)
inv["eom_plus_30"] = inv["issued"] + MonthEnd(0) + pd.Timedelta(days=30)
inv["net30_bday"] = inv["net30"].map(lambda d: d if d.dayofweek < 5 else d + BDay(1))
inv["due_weekday"] = inv["net30_bday"].dt.day_name()
print(inv.to_string(index=False))
