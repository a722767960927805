# Question: Flag unusual expense claims relative to each department's typical claim (z-score > 2).
import numpy as np
import pandas as pd

rng = np.random.default_rng(8)
depts = np.repeat(["Sales", "Engineering", "Marketing"], 20)
amounts = np.concatenate([rng.normal(220, 40, 20), rng.normal(90, 15, 20), rng.normal(150, 30, 20)])
amounts[[5, 27, 48]] = [480, 190, 330]
claims = pd.DataFrame({"dept": depts, "amount": amounts.round(2)})
claims["z"] = claims.groupby("dept")["amount"].transform(lambda s: (s - s.mean()) / s.std()).round(2)
flagged = claims[claims["z"].abs() > 2]
print(flagged)
print()
print(claims.groupby("dept")["amount"].agg(["mean", "std", "max"]).round(2))
