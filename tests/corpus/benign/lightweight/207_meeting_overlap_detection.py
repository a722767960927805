# Question: Which meetings in the team calendar overlap, and who is double-booked?
from datetime import datetime
from itertools import combinations

meetings = [
    ("Standup", "2024-05-20 09:00", "2024-05-20 09:15", {"ana", "ben", "cai"}),
    ("Budget review", "2024-05-20 09:10", "2024-05-20 10:00", {"ana", "dee"}),
    ("1:1 Ben/Cai", "2024-05-20 10:00", "2024-05-20 10:30", {"ben", "cai"}),
    ("Roadmap", "2024-05-20 10:15", "2024-05-20 11:30", {"cai", "dee", "eli"}),
    ("Lunch talk", "2024-05-20 12:00", "2024-05-20 13:00", {"ana", "eli"}),
]
fmt = "%Y-%m-%d %H:%M"
parsed = [(n, datetime.strptime(s, fmt), datetime.strptime(e, fmt), p) for n, s, e, p in meetings]

for (n1, s1, e1, p1), (n2, s2, e2, p2) in combinations(parsed, 2):
    overlap = min(e1, e2) - max(s1, s2)
    if overlap.total_seconds() > 0:
        shared = sorted(p1 & p2)
        print(f"'{n1}' overlaps '{n2}' by {int(overlap.total_seconds() // 60)} min; double-booked: {shared or 'nobody'}")
