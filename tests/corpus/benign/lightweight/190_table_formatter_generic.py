# Question: Print any list of records as an aligned text table with auto-sized columns.
def render_table(rows, columns=None, numeric_format="{:,.2f}"):
    columns = columns or list(rows[0])
    cells = []
    for row in rows:
        out = []
        for c in columns:
            v = row.get(c, "")
            out.append(numeric_format.format(v) if isinstance(v, float) else str(v))
        cells.append(out)
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row.get(c), (int, float)) for row in rows) for c in columns]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |", line]
    for r in cells:
        out.append("| " + " | ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(r, widths, numeric)) + " |")
    out.append(line)
    return "\n".join(out)


stores = [
    {"store": "Downtown", "manager": "Iris", "revenue": 184_220.5, "staff": 14},
    {"store": "Airport", "manager": "Tomasz", "revenue": 240_010.0, "staff": 21},
    {"store": "Harbourfront", "manager": "Yuki", "revenue": 98_415.75, "staff": 9},
]
print(render_table(stores))
print(render_table(stores, columns=["store", "staff"]))
