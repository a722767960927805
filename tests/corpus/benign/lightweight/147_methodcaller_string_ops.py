# Question: Normalize column headers from a spreadsheet using a list of string operations.
from operator import methodcaller, itemgetter

headers = ["  Customer Name ", "E-mail Address", "Total Spend ($)", "Last Order Date", "customer name"]
steps = [methodcaller("strip"), methodcaller("lower"), methodcaller("replace", " ", "_"),
         methodcaller("replace", "-", ""), methodcaller("translate", str.maketrans("", "", "()$"))]

normalized = []
for h in headers:
    value = h
    for step in steps:
        value = step(value)
    normalized.append(value.strip("_"))

seen = {}
for raw, name in zip(headers, normalized):
    seen[name] = seen.get(name, 0) + 1
    suffix = f"_{seen[name]}" if seen[name] > 1 else ""
    print(f"{raw!r:<20} -> {name + suffix}")

rows = [("Zed", 30), ("Amy", 45), ("Kim", 12)]
print(sorted(rows, key=itemgetter(1)), "| upper names:", list(map(methodcaller("upper"), map(itemgetter(0), rows))))
