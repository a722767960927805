# Question: What are the weights and total value of an investment portfolio?
from functools import cached_property


class Portfolio:
    def __init__(self, holdings, prices):
        self.holdings = holdings
        self.prices = prices
        self.valuations = 0

    @cached_property
    def market_values(self):
        self.valuations += 1
        return {t: q * self.prices[t] for t, q in self.holdings.items()}

    @cached_property
    def total(self):
        return sum(self.market_values.values())

    def weights(self):
        return {t: v / self.total for t, v in self.market_values.items()}


p = Portfolio({"VTI": 120, "BND": 200, "VXUS": 150, "GLD": 20}, {"VTI": 262.1, "BND": 72.4, "VXUS": 60.35, "GLD": 215.8})
print(f"Total value: ${p.total:,.2f}")
for ticker, w in sorted(p.weights().items(), key=lambda kv: -kv[1]):
    print(f"  {ticker:<5} {p.market_values[ticker]:>10,.2f}  {w:>6.1%}")
print("Valuations computed:", p.valuations)
