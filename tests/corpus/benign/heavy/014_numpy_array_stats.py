# Question: Compute summary statistics of daily returns for three assets using numpy.
import numpy as np

rng = np.random.default_rng(2024)
returns = rng.normal(loc=[0.0004, 0.0002, 0.0006], scale=[0.012, 0.006, 0.02], size=(252, 3))
names = ["Equity", "Bonds", "Crypto"]

mean = returns.mean(axis=0)
std = returns.std(axis=0, ddof=1)
cum = np.prod(1 + returns, axis=0) - 1
corr = np.corrcoef(returns, rowvar=False)
np.set_printoptions(precision=4, suppress=True)
for i, name in enumerate(names):
    print(f"{name:<7} mean {mean[i]:+.5f} std {std[i]:.5f} ann.vol {std[i] * np.sqrt(252):.2%} cumulative {cum[i]:+.2%}")
print("Correlation matrix:")
print(corr)
print("Worst day per asset:", returns.argmin(axis=0), np.round(returns.min(axis=0), 4))
print("Days all three fell:", int(np.all(returns < 0, axis=1).sum()))
