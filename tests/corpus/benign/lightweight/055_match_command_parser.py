# Question: Interpret simple analyst commands like "top 5 revenue" or "filter region=West".
records = [
    {"rep": "Ann", "region": "West", "revenue": 120},
    {"rep": "Bo", "region": "East", "revenue": 340},
    {"rep": "Cy", "region": "West", "revenue": 210},
    {"rep": "Di", "region": "North", "revenue": 90},
    {"rep": "Ed", "region": "East", "revenue": 150},
]


def run(command: str):
    match command.split():
        case ["top", n, field] if n.isdigit():
            return sorted(records, key=lambda r: r[field], reverse=True)[: int(n)]
        case ["filter", condition] if "=" in condition:
            key, value = condition.split("=", 1)
            return [r for r in records if str(r[key]) == value]
        case ["sum", field]:
            return sum(r[field] for r in records)
        case ["count"]:
            return len(records)
        case ["help" | "?"]:
            return "commands: top N FIELD | filter K=V | sum FIELD | count"
        case _:
            return f"unknown command: {command!r}"


for cmd in ["top 2 revenue", "filter region=West", "sum revenue", "count", "?", "delete everything"]:
    print(f"> {cmd}")
    print(f"  {run(cmd)}")
