# Question: Parse a CSV with pyarrow, forcing column types and treating "-" as missing, then total by city.
import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

raw = b"city,amount,units\nParis,12.5,3\nLyon,-,2\nParis,7.25,1\nNice,30,-\n"
table = pacsv.read_csv(
    io.BytesIO(raw),
    read_options=pacsv.ReadOptions(block_size=1 << 16),
    convert_options=pacsv.ConvertOptions(
        column_types={"amount": pa.float64(), "units": pa.int32()},
        null_values=["-"],
    ),
)
print(table.schema)
grouped = table.group_by("city").aggregate([("amount", "sum"), ("units", "sum")]).sort_by("city")
for row in grouped.to_pylist():
    print(row["city"], row["amount_sum"], row["units_sum"])
print("missing amounts:", pc.sum(pc.is_null(table["amount"])).as_py())
