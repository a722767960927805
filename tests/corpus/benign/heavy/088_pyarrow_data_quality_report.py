# Question: Run data-quality checks on an Arrow table (nulls, ranges, duplicates, allowed values) and save the report.
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

table = pa.table({
    "order_id": [1, 2, 3, 4, 4, 6, 7, 8, 9, 10],
    "status": ["paid", "paid", "refunded", "paid", "paid", "pending", "PAID", "cancelled", None, "paid"],
    "amount": [19.99, 250.0, -5.0, 42.5, 42.5, 0.0, 18.0, 99.0, 12.0, 100000.0],
    "country": ["DE", "FR", "DE", None, None, "US", "US", "IT", "FR", "DE"],
})
allowed_status = pa.array(["paid", "pending", "refunded", "cancelled"])

checks = []


def record(name, column, failures):
    checks.append({"check": name, "column": column, "failures": int(failures), "passed": int(failures) == 0})


for col in table.column_names:
    record("not_null", col, table[col].null_count)
record("non_negative", "amount", pc.sum(pc.less(table["amount"], 0)).as_py())
record("below_10000", "amount", pc.sum(pc.greater(table["amount"], 10_000)).as_py())
unique_ids = pc.count_distinct(table["order_id"]).as_py()
record("unique", "order_id", table.num_rows - unique_ids)
valid = pc.is_in(table["status"], value_set=allowed_status)
record("allowed_values", "status", pc.sum(pc.invert(pc.fill_null(valid, False))).as_py())

report = pa.Table.from_pylist(checks)
pq.write_table(report, "dq_report.parquet")
loaded = pq.read_table("dq_report.parquet")
for row in loaded.to_pylist():
    mark = "PASS" if row["passed"] else "FAIL"
    print(f"{mark}  {row['check']:<15} {row['column']:<9} failures={row['failures']}")
failed = pc.sum(pc.invert(loaded["passed"])).as_py()
print(f"{failed} of {loaded.num_rows} checks failed")
