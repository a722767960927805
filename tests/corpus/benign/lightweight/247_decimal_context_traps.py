# Question: Compute unit prices safely, catching division by zero and inexact results under strict decimal rules.
from decimal import Decimal, DivisionByZero, Inexact, InvalidOperation, localcontext

lines = [("Pack of 12 pens", "18.00", 12), ("Gift card", "25.00", 0), ("Printer paper", "10.00", 3), ("Bulk rice", "0.00", 0)]

for name, total, qty in lines:
    with localcontext() as ctx:
        ctx.traps[DivisionByZero] = True
        ctx.traps[Inexact] = False
        try:
            unit = Decimal(total) / Decimal(qty)
            print(f"{name:<16} unit price {unit.quantize(Decimal('0.0001'))}")
        except DivisionByZero:
            print(f"{name:<16} has zero quantity")
        except InvalidOperation:
            print(f"{name:<16} 0/0 is undefined")

with localcontext() as strict:
    strict.traps[Inexact] = True
    try:
        Decimal(10) / Decimal(3)
    except Inexact:
        print("10/3 is not exact under the strict context")
    print("10/4 =", Decimal(10) / Decimal(4), "(exact)")
