# Question: Build a monthly cohort retention table from user signup and activity months.
from collections import defaultdict

signups = {"u1": "2024-01", "u2": "2024-01", "u3": "2024-01", "u4": "2024-02", "u5": "2024-02",
           "u6": "2024-03", "u7": "2024-03", "u8": "2024-03", "u9": "2024-03"}
activity = [("u1", "2024-02"), ("u1", "2024-03"), ("u2", "2024-02"), ("u3", "2024-04"), ("u4", "2024-03"),
            ("u4", "2024-04"), ("u5", "2024-03"), ("u6", "2024-04"), ("u7", "2024-04"), ("u1", "2024-04")]


def month_index(ym):
    y, m = map(int, ym.split("-"))
    return y * 12 + m


cohort_users = defaultdict(set)
for user, ym in signups.items():
    cohort_users[ym].add(user)
active = defaultdict(set)
for user, ym in activity:
    offset = month_index(ym) - month_index(signups[user])
    active[(signups[user], offset)].add(user)

max_offset = 3
print("Cohort   Size " + "".join(f"{'M' + str(o):>5}" for o in range(1, max_offset + 1)))
for cohort in sorted(cohort_users):
    size = len(cohort_users[cohort])
    cells = []
    for o in range(1, max_offset + 1):
        if month_index(cohort) + o > month_index("2024-04"):
            cells.append("    -")
        else:
            cells.append(f"{len(active[(cohort, o)]) / size:5.0%}")
    print(f"{cohort}  {size:>4} " + "".join(cells))
