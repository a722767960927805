# Question: Which combination of store metrics explains most of the variation (PCA via eigen-decomposition)?
import numpy as np

rng = np.random.default_rng(4)
n = 200
footfall = rng.normal(1000, 150, n)
revenue = footfall * 18 + rng.normal(0, 1500, n)
staff = footfall / 80 + rng.normal(0, 1.5, n)
returns = rng.normal(30, 6, n)
X = np.column_stack([footfall, revenue, staff, returns])
Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)

cov = np.cov(Z, rowvar=False)
values, vectors = np.linalg.eigh(cov)
order = np.argsort(values)[::-1]
values, vectors = values[order], vectors[:, order]
vectors = vectors * np.sign(vectors[0])  # fix sign for a stable display
explained = values / values.sum()
names = ["footfall", "revenue", "staff", "returns"]
for i in range(4):
    loadings = ", ".join(f"{n}={v:+.2f}" for n, v in zip(names, vectors[:, i]))
    print(f"PC{i + 1}: {explained[i]:6.2%}  [{loadings}]")
print("Cumulative for 2 components:", f"{explained[:2].sum():.2%}")
