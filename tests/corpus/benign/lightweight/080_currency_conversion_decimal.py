# Question: Convert invoice amounts to EUR with banker's rounding and check the totals reconcile.
from decimal import Decimal, ROUND_HALF_EVEN, getcontext, localcontext

getcontext().prec = 28
rates_to_eur = {"USD": Decimal("0.9213"), "GBP": Decimal("1.1687"), "CHF": Decimal("1.0342"), "EUR": Decimal("1")}
invoices = [("USD", "1049.95"), ("GBP", "250.10"), ("CHF", "99.99"), ("USD", "0.05"), ("EUR", "300.00")]

cents = Decimal("0.01")
converted = []
for currency, amount in invoices:
    eur = (Decimal(amount) * rates_to_eur[currency]).quantize(cents, rounding=ROUND_HALF_EVEN)
    converted.append(eur)
    print(f"{currency} {Decimal(amount):>9} -> EUR {eur:>9}")

total = sum(converted, Decimal("0"))
print(f"Total EUR: {total}")
with localcontext() as ctx:
    ctx.prec = 6
    print("Average at 6 significant digits:", total / len(converted))
print("Exact 0.1 + 0.2:", Decimal("0.1") + Decimal("0.2"), "vs float", 0.1 + 0.2)
