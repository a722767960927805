# Question: Parse semicolon-separated readings with polars, write them as Parquet and CSV with options.
import io

import polars as pl

raw = "sensor;reading;at\ns1;1.5;2024-05-01\ns2;2.25;2024-05-01\ns1;3.0;2024-05-02\n"
df = pl.read_csv(io.StringIO(raw), separator=";", try_parse_dates=True)
df.write_parquet("readings.parquet", compression="zstd", statistics=True)
df.write_csv("readings.csv", separator=",", include_header=True, float_precision=2)
lazy = pl.scan_parquet("readings.parquet", n_rows=10)
print(lazy.group_by("sensor").agg(pl.col("reading").sum()).sort("sensor").collect())
print(pl.read_csv("readings.csv", has_header=True, columns=["sensor", "reading"]))
