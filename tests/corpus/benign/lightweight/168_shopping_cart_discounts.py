# Question: Apply stacked promotions (BOGO, percentage and threshold discounts) to a shopping cart.
from dataclasses import dataclass
from decimal import Decimal


@dataclass
class CartLine:
    sku: str
    price: Decimal
    qty: int
    category: str


cart = [
    CartLine("SOCK", Decimal("6.00"), 5, "apparel"),
    CartLine("TEE", Decimal("18.00"), 2, "apparel"),
    CartLine("MUG", Decimal("12.50"), 3, "home"),
    CartLine("LAMP", Decimal("45.00"), 1, "home"),
]

subtotal = sum(l.price * l.qty for l in cart)
discounts = []
sock = next(l for l in cart if l.sku == "SOCK")
discounts.append(("Socks buy-one-get-one", sock.price * (sock.qty // 2)))
home = sum(l.price * l.qty for l in cart if l.category == "home")
discounts.append(("15% off home", (home * Decimal("0.15")).quantize(Decimal("0.01"))))
after = subtotal - sum(d for _, d in discounts)
if after >= 100:
    discounts.append(("$10 off orders over $100", Decimal("10.00")))

print(f"Subtotal: {subtotal:>8}")
for name, amount in discounts:
    print(f"  - {name:<26} {amount:>8}")
total = subtotal - sum(d for _, d in discounts)
print(f"Total:    {total:>8}  (saved {(subtotal - total) / subtotal:.1%})")
