# Question: What are the NPV at 8% and the IRR of this equipment investment?
cash_flows = [-250_000, 62_000, 71_000, 80_000, 76_000, 58_000]


def npv(rate, flows):
    return sum(cf / (1 + rate) ** t for t, cf in enumerate(flows))


def irr(flows, low=-0.99, high=1.0, tol=1e-10):
    for _ in range(200):
        mid = (low + high) / 2
        if npv(low, flows) * npv(mid, flows) <= 0:
            high = mid
        else:
            low = mid
        if high - low < tol:
            break
    return (low + high) / 2


for rate in (0.06, 0.08, 0.10, 0.12):
    print(f"NPV @ {rate:.0%}: {npv(rate, cash_flows):>12,.2f}")
r = irr(cash_flows)
print(f"IRR: {r:.4%}")
cumulative, payback = 0, None
for year, cf in enumerate(cash_flows):
    cumulative += cf
    if payback is None and cumulative >= 0:
        payback = year
print(f"Simple payback in year {payback}")
