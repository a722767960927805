# Question: Fit a linear model of sales on price and ad spend using least squares.
import numpy as np

rng = np.random.default_rng(5)
n = 60
price = rng.uniform(8, 15, n)
ads = rng.uniform(0, 5, n)
sales = 500 - 22 * price + 35 * ads + rng.normal(0, 12, n)

X = np.column_stack([np.ones(n), price, ads])
coef, residuals, rank, sv = np.linalg.lstsq(X, sales, rcond=None)
pred = X @ coef
r2 = 1 - ((sales - pred) ** 2).sum() / ((sales - sales.mean()) ** 2).sum()
print(f"sales = {coef[0]:.2f} {coef[1]:+.2f}*price {coef[2]:+.2f}*ads")
print(f"R^2 = {r2:.4f}, rank = {rank}")
print("Prediction at price 10, ads 3:", round(float(np.array([1, 10, 3]) @ coef), 2))
poly = np.polyfit(price, sales, 2)
print("Quadratic fit on price only:", np.round(poly, 3))
