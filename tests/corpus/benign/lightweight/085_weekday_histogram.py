# Question: On which weekdays do support tickets arrive most often?
from collections import Counter
from datetime import datetime

stamps = """2024-01-08 10:22
2024-01-08 14:05
2024-01-09 09:00
2024-01-10 16:45
2024-01-10 11:11
2024-01-10 13:30
2024-01-12 08:20
2024-01-13 19:00
2024-01-15 09:45
2024-01-15 10:10
2024-01-16 15:15
2024-01-17 12:00
2024-01-19 17:30""".splitlines()

counts = Counter(datetime.strptime(s, "%Y-%m-%d %H:%M").strftime("%a") for s in stamps)
order = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
peak = max(counts.values())
for day in order:
    n = counts.get(day, 0)
    print(f"{day} {'*' * n:<{peak}} {n}")
hours = Counter(int(s[11:13]) for s in stamps)
print("Busiest hour:", hours.most_common(1)[0])
