# Question: Summarize a list of expense entries by type, with the usual helper names LLMs pick.
def summarize(input, type=None, filter=None):
    rows = [r for r in input if (type is None or r["type"] == type)]
    if filter is not None:
        rows = [r for r in rows if filter(r)]
    sum = 0.0
    max = None
    for r in rows:
        sum += r["amount"]
        if max is None or r["amount"] > max["amount"]:
            max = r
    return {"count": len(rows), "sum": sum, "max": max}


def format(summary):
    if not summary["count"]:
        return "no rows"
    return f"{summary['count']} rows, total {summary['sum']:.2f}, largest #{summary['max']['id']} ({summary['max']['amount']:.2f})"


input = [
    {"id": 1, "type": "travel", "amount": 420.0},
    {"id": 2, "type": "meals", "amount": 38.5},
    {"id": 3, "type": "travel", "amount": 155.25},
    {"id": 4, "type": "software", "amount": 99.0},
    {"id": 5, "type": "meals", "amount": 61.0},
]

for type in ("travel", "meals", "software", "hardware"):
    print(f"{type:<9}: {format(summarize(input, type=type))}")
print("big ones:", format(summarize(input, filter=lambda r: r["amount"] > 90)))

id = 3
vars = {"threshold": 50}
print("entry", id, "over threshold:", next(r for r in input if r["id"] == id)["amount"] > vars["threshold"])
