# Question: Model money amounts immutably and total a multi-currency expense report.
from dataclasses import dataclass, replace, FrozenInstanceError
from decimal import Decimal


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other):
        if other.currency != self.currency:
            raise ValueError(f"cannot add {self.currency} and {other.currency}")
        return replace(self, amount=self.amount + other.amount)

    def convert(self, rate, currency):
        return Money((self.amount * rate).quantize(Decimal("0.01")), currency)

    def __str__(self):
        return f"{self.amount:,.2f} {self.currency}"


expenses = [Money(Decimal("120.00"), "USD"), Money(Decimal("89.90"), "EUR"), Money(Decimal("45.50"), "USD"), Money(Decimal("30.00"), "GBP")]
to_usd = {"USD": Decimal("1"), "EUR": Decimal("1.0854"), "GBP": Decimal("1.2710")}

total = Money(Decimal("0"), "USD")
for e in expenses:
    usd = e.convert(to_usd[e.currency], "USD")
    total = total + usd
    print(f"{str(e):>12} -> {usd}")
print("Total:", total)

try:
    total.amount = Decimal("0")
except FrozenInstanceError:
    print("Money is immutable")
print("Hashable, usable as dict key:", {expenses[0]: "first"}[Money(Decimal("120.00"), "USD")])
