# Question: If delivery times are roughly normal (mean 3.2 days, sd 0.8), what share arrive late?
from statistics import NormalDist

delivery = NormalDist(mu=3.2, sigma=0.8)
print(f"P(> 4 days)  = {1 - delivery.cdf(4):.2%}")
print(f"P(2-4 days)  = {delivery.cdf(4) - delivery.cdf(2):.2%}")
print(f"95th percentile = {delivery.inv_cdf(0.95):.2f} days")
print(f"Promise 'in 5 days' met {delivery.cdf(5):.3%} of the time")

express = NormalDist(1.4, 0.3)
print(f"Overlap between standard and express distributions: {delivery.overlap(express):.4f}")
combined = delivery + NormalDist(0.5, 0.2)  # plus warehouse handling time
print(f"With handling: mean {combined.mean:.2f}, sd {combined.stdev:.3f}")
samples = NormalDist(3.2, 0.8).samples(5, seed=1)
print("Five seeded samples:", [round(s, 3) for s in samples])
