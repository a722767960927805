# Question: How often would an A/B test with 2,000 users per arm detect a 10% relative lift (power simulation)?
import numpy as np

rng = np.random.default_rng(8)
base_rate, lift, n, sims = 0.08, 0.10, 2000, 4000
conv_a = rng.binomial(n, base_rate, sims)
conv_b = rng.binomial(n, base_rate * (1 + lift), sims)
p_a, p_b = conv_a / n, conv_b / n
pooled = (conv_a + conv_b) / (2 * n)
se = np.sqrt(pooled * (1 - pooled) * 2 / n)
z = (p_b - p_a) / se
power = (z > 1.96).mean()
print(f"Estimated power: {power:.1%}")
print(f"Mean observed lift: {(p_b.mean() / p_a.mean() - 1):.2%}")
for size in (5000, 10000):
    a = rng.binomial(size, base_rate, sims) / size
    b = rng.binomial(size, base_rate * (1 + lift), sims) / size
    pool = (a + b) / 2
    zz = (b - a) / np.sqrt(pool * (1 - pool) * 2 / size)
    print(f"n={size:>6} per arm: power {(zz > 1.96).mean():.1%}")
