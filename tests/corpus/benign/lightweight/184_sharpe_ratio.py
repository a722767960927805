# Question: Compare the risk-adjusted returns (Sharpe and Sortino) of three funds from monthly returns.
import math
import statistics

funds = {
    "Growth": [0.031, -0.012, 0.045, 0.022, -0.034, 0.051, 0.018, -0.007, 0.039, 0.012, -0.021, 0.027],
    "Balanced": [0.014, 0.006, 0.019, 0.011, -0.009, 0.017, 0.010, 0.004, 0.015, 0.008, -0.003, 0.012],
    "Income": [0.006, 0.005, 0.007, 0.004, 0.003, 0.006, 0.005, 0.004, 0.006, 0.005, 0.004, 0.005],
}
risk_free_monthly = 0.04 / 12

print(f"{'Fund':<10}{'Ann. ret':>10}{'Ann. vol':>10}{'Sharpe':>8}{'Sortino':>9}")
for name, rets in funds.items():
    excess = [r - risk_free_monthly for r in rets]
    mean_ex = statistics.mean(excess)
    vol = statistics.stdev(rets)
    downside = math.sqrt(sum(min(e, 0) ** 2 for e in excess) / len(excess))
    ann_ret = math.prod(1 + r for r in rets) - 1
    sharpe = mean_ex / vol * math.sqrt(12)
    sortino = mean_ex / downside * math.sqrt(12) if downside else float("inf")
    print(f"{name:<10}{ann_ret:>10.2%}{vol * math.sqrt(12):>10.2%}{sharpe:>8.2f}{sortino:>9.2f}")
