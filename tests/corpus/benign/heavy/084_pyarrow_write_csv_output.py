# Question: Write a filtered Arrow table to CSV in the output folder and read it back with pandas.
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

table = pa.table({
    "ticket": [101, 102, 103, 104, 105, 106],
    "priority": ["high", "low", "high", "medium", "high", "low"],
    "hours_open": [5.5, 48.0, 30.25, 12.0, 2.0, 96.5],
})
urgent = table.filter(pc.and_(pc.equal(table["priority"], "high"), pc.greater(table["hours_open"], 4)))
pacsv.write_csv(urgent, "urgent_tickets.csv")
df = pd.read_csv("urgent_tickets.csv")
print(df)
print("Average hours open:", df["hours_open"].mean())
