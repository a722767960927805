# Question: Stream through transaction records, filter large ones and compute a running total lazily.
def read_records():
    raw = """t1,2024-01-03,45.00
t2,2024-01-04,1200.00
t3,2024-01-04,18.20
t4,2024-01-06,560.00
t5,2024-01-07,3000.00
t6,2024-01-09,75.50"""
    for line in raw.splitlines():
        tid, day, amount = line.split(",")
        yield {"id": tid, "day": day, "amount": float(amount)}


def large(records, threshold):
    for r in records:
        if r["amount"] >= threshold:
            yield r


def running_total(records):
    total = 0.0
    for r in records:
        total += r["amount"]
        yield r, total


pipeline = running_total(large(read_records(), threshold=100))
for record, total in pipeline:
    print(f"{record['id']} {record['day']} {record['amount']:>8.2f}  cumulative {total:>9.2f}")

squares = (n * n for n in range(1, 11))
print("Sum of squares 1..10:", sum(squares))
