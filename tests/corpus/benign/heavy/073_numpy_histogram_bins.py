# Question: What does the distribution of delivery distances look like in 5 km bins?
import numpy as np

rng = np.random.default_rng(33)
distances = np.concatenate([rng.gamma(2.0, 3.0, 800), rng.normal(35, 4, 200)]).clip(0, None)
counts, edges = np.histogram(distances, bins=np.arange(0, 55, 5))
for c, lo, hi in zip(counts, edges[:-1], edges[1:]):
    print(f"{lo:>4.0f}-{hi:<4.0f} km {c:>4} {'#' * (c // 10)}")
print("Beyond 50 km:", int((distances >= 50).sum()))
print("Mean, median, p90:", np.round([distances.mean(), np.median(distances), np.percentile(distances, 90)], 2))
