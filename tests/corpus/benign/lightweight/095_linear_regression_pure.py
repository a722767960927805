# Question: How strongly does ad spend predict weekly sales, and what sales should we expect at $9k?
import statistics

ad_spend = [2.0, 3.5, 4.0, 5.2, 6.1, 7.0, 7.8, 8.5]  # $k
sales = [21.0, 27.5, 29.0, 33.8, 36.0, 41.2, 43.0, 46.5]  # $k

fit = statistics.linear_regression(ad_spend, sales)
r = statistics.correlation(ad_spend, sales)
print(f"sales = {fit.slope:.3f} * spend + {fit.intercept:.3f}")
print(f"correlation r = {r:.4f}, r^2 = {r * r:.4f}")
for x, y in zip(ad_spend, sales):
    pred = fit.slope * x + fit.intercept
    print(f"  spend {x:>4.1f}  actual {y:>5.1f}  fitted {pred:>6.2f}  residual {y - pred:+.2f}")
print(f"Forecast at $9.0k spend: ${fit.slope * 9 + fit.intercept:.2f}k")
