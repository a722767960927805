# Question: Render a mixed list of report values consistently (money, dates, percentages, text).
from datetime import date
from decimal import Decimal
from functools import singledispatch


@singledispatch
def render(value):
    return str(value)


@render.register
def _(value: Decimal):
    return f"${value:,.2f}"


@render.register
def _(value: date):
    return value.strftime("%d %b %Y")


@render.register
def _(value: float):
    return f"{value:.1%}"


@render.register(list)
def _(value):
    return "[" + "; ".join(render(v) for v in value) + "]"


row = ["Q2 close", Decimal("1234567.891"), date(2024, 6, 30), 0.1834, [Decimal("12.5"), 0.05]]
for value in row:
    print(f"{type(value).__name__:<8} -> {render(value)}")
