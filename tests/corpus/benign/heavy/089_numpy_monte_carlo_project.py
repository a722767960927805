# Question: Estimate the probability that a 6-task project finishes within 40 days (PERT Monte Carlo).
import numpy as np

rng = np.random.default_rng(2718)
tasks = {  # (optimistic, most likely, pessimistic) days
    "design": (3, 5, 9),
    "build_api": (8, 12, 20),
    "build_ui": (6, 10, 16),
    "integrate": (3, 4, 8),
    "test": (4, 6, 12),
    "launch": (1, 2, 3),
}
n = 20_000
samples = {name: rng.triangular(a, m, b, n) for name, (a, m, b) in tasks.items()}
# design -> (build_api || build_ui) -> integrate -> test -> launch
total = samples["design"] + np.maximum(samples["build_api"], samples["build_ui"]) + samples["integrate"] + samples["test"] + samples["launch"]
print(f"Mean duration {total.mean():.1f} days; P50 {np.percentile(total, 50):.1f}; P90 {np.percentile(total, 90):.1f}")
for deadline in (35, 40, 45):
    print(f"P(finish within {deadline} days) = {(total <= deadline).mean():.1%}")
critical_api = (samples["build_api"] >= samples["build_ui"]).mean()
print(f"build_api is on the critical path in {critical_api:.1%} of runs")
