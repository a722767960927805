# Question: How do different rounding modes change the totals on 1,000 line items?
from decimal import Decimal, ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR

items = [Decimal(f"{i % 7}.{(i * 37) % 1000:03d}") for i in range(1, 1001)]
exact = sum(items)
print(f"Exact total: {exact}")
for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR):
    rounded = sum(i.quantize(Decimal("0.01"), rounding=mode) for i in items)
    print(f"{mode:<16} {rounded:>10}  drift {rounded - exact:+}")
print(Decimal("2.675").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "vs float round:", round(2.675, 2))
