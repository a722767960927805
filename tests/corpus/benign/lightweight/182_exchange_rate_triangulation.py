# Question: Derive cross rates from USD quotes and check for triangular arbitrage.
from itertools import permutations

usd_quotes = {"EUR": 0.9215, "GBP": 0.7890, "JPY": 151.42, "CHF": 0.9032}
usd_quotes["USD"] = 1.0


def cross(base, quote):
    return usd_quotes[quote] / usd_quotes[base]


currencies = sorted(usd_quotes)
print("      " + "".join(f"{c:>10}" for c in currencies))
for base in currencies:
    print(f"{base:<6}" + "".join(f"{cross(base, q):>10.4f}" for q in currencies))

market_eur_gbp = 0.8580  # a quoted market rate that differs from the derived one
derived = cross("EUR", "GBP")
print(f"Derived EUR/GBP {derived:.4f} vs market {market_eur_gbp:.4f}: gap {(market_eur_gbp / derived - 1):+.3%}")
loops = [(a, b, c) for a, b, c in permutations(["USD", "EUR", "GBP"]) if a == "USD"]
for a, b, c in loops:
    result = cross(a, b) * (market_eur_gbp if (b, c) == ("EUR", "GBP") else cross(b, c)) * cross(c, a)
    print(f"{a}->{b}->{c}->{a}: 1 becomes {result:.5f}")
