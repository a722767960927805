# Question: Project customer tier distribution over 6 months with a transition matrix.
import numpy as np

tiers = ["free", "basic", "pro", "churned"]
P = np.array([
    [0.80, 0.12, 0.03, 0.05],
    [0.05, 0.80, 0.10, 0.05],
    [0.01, 0.04, 0.92, 0.03],
    [0.00, 0.00, 0.00, 1.00],
])
state = np.array([6000.0, 2500.0, 800.0, 0.0])
print("month " + " ".join(f"{t:>8}" for t in tiers))
for month in range(7):
    print(f"{month:>5} " + " ".join(f"{v:>8.0f}" for v in state))
    state = state @ P
print("Rows sum to 1:", np.allclose(P.sum(axis=1), 1))
P12 = np.linalg.matrix_power(P, 12)
print("P(free -> pro within 12 months):", round(float(P12[0, 2]), 4))
