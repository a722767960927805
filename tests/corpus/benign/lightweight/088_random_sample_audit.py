# Question: Draw a reproducible random audit sample of 8 invoices, stratified by amount band.
import random

random.seed(99)
invoices = [{"id": f"INV-{1000 + i}", "amount": round(random.uniform(20, 5000), 2)} for i in range(60)]

bands = {"small": [], "medium": [], "large": []}
for inv in invoices:
    band = "small" if inv["amount"] < 500 else "medium" if inv["amount"] < 2500 else "large"
    bands[band].append(inv)

sample = []
for band, allocation in (("small", 2), ("medium", 3), ("large", 3)):
    picked = random.sample(bands[band], k=min(allocation, len(bands[band])))
    sample.extend(picked)
    print(f"{band:<6} population {len(bands[band]):>2}, sampled {len(picked)}")
for inv in sorted(sample, key=lambda i: i["id"]):
    print(f"  {inv['id']}  {inv['amount']:>9,.2f}")
