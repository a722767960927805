# Question: What is the realized profit per ticker from this list of trades?
from collections import namedtuple, defaultdict

Trade = namedtuple("Trade", ["ticker", "side", "qty", "price"])

trades = [
    Trade("AAPL", "BUY", 10, 170.50),
    Trade("MSFT", "BUY", 5, 410.00),
    Trade("AAPL", "SELL", 4, 182.25),
    Trade("MSFT", "SELL", 5, 398.10),
    Trade("AAPL", "SELL", 6, 176.00),
    Trade("NVDA", "BUY", 3, 880.00),
]

cost_basis = defaultdict(list)
realized = defaultdict(float)
for t in trades:
    if t.side == "BUY":
        cost_basis[t.ticker].append([t.qty, t.price])
        continue
    remaining = t.qty
    while remaining:
        lot = cost_basis[t.ticker][0]
        used = min(lot[0], remaining)
        realized[t.ticker] += used * (t.price - lot[1])
        lot[0] -= used
        remaining -= used
        if lot[0] == 0:
            cost_basis[t.ticker].pop(0)

for ticker in sorted({t.ticker for t in trades}):
    open_qty = sum(q for q, _ in cost_basis[ticker])
    print(f"{ticker:<5} realized P&L {realized[ticker]:>+9.2f}  open shares {open_qty}")
print(trades[0]._asdict())
