# Question: Simulate 10,000 years of insurance claims to estimate the 99th percentile annual loss.
import numpy as np

rng = np.random.default_rng(42)
years = 10_000
claim_counts = rng.poisson(lam=12, size=years)
losses = np.array([rng.lognormal(mean=9.0, sigma=1.1, size=k).sum() for k in claim_counts])

print(f"Mean annual loss:   {losses.mean():>14,.0f}")
print(f"Median annual loss: {np.median(losses):>14,.0f}")
for q in (90, 95, 99, 99.5):
    print(f"P{q:<5} {np.percentile(losses, q):>14,.0f}")
print(f"Years with loss > 1M: {(losses > 1_000_000).mean():.2%}")
