# Question: Represent price quotes as typed records and compute spreads and mid prices.
from typing import NamedTuple


class Quote(NamedTuple):
    symbol: str
    bid: float
    ask: float
    size: int = 100

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2

    def spread_bps(self) -> float:
        return (self.ask - self.bid) / self.mid * 10_000


quotes = [Quote("EURUSD", 1.0841, 1.0843, 1_000_000), Quote("AAPL", 189.10, 189.14), Quote("BTCUSD", 67_120.0, 67_180.0, 2)]
for q in sorted(quotes, key=lambda q: q.spread_bps()):
    print(f"{q.symbol:<7} mid {q.mid:>12,.5f} spread {q.spread_bps():6.2f} bps size {q.size:,}")
widened = quotes[1]._replace(ask=189.30)
print("Widened:", widened, "->", round(widened.spread_bps(), 2), "bps")
print("Fields:", Quote._fields, "defaults:", Quote._field_defaults)
symbol, bid, *rest = quotes[0]
print("Unpacked:", symbol, bid, rest)
