# Question: Score 5,000 simulated leads, reporting progress on stderr and results on stdout.
import random
import sys

random.seed(2024)
leads = [{"visits": random.randint(1, 30), "opened_email": random.random() < 0.4, "company_size": random.choice([10, 50, 250, 1000])} for _ in range(5000)]


def score(lead):
    s = min(lead["visits"], 20) * 2
    s += 15 if lead["opened_email"] else 0
    s += {10: 0, 50: 5, 250: 10, 1000: 20}[lead["company_size"]]
    return s


buckets = {"hot": 0, "warm": 0, "cold": 0}
for i, lead in enumerate(leads, 1):
    s = score(lead)
    buckets["hot" if s >= 50 else "warm" if s >= 30 else "cold"] += 1
    if i % 1000 == 0:
        print(f"scored {i}/{len(leads)}", file=sys.stderr)

for bucket, count in buckets.items():
    print(f"{bucket:<5} {count:>5} ({count / len(leads):.1%})")
