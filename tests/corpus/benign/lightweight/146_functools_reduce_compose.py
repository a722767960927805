# Question: Apply a configurable chain of cleaning steps to product titles.
from functools import reduce
import re


def compose(*funcs):
    return reduce(lambda f, g: lambda x: g(f(x)), funcs, lambda x: x)


strip_ws = str.strip
collapse = lambda s: re.sub(r"\s+", " ", s)
drop_promo = lambda s: re.sub(r"\b(SALE|NEW|HOT)!*\s*", "", s, flags=re.I)
title_case = str.title

clean = compose(strip_ws, drop_promo, collapse, title_case)
titles = ["  NEW!  wireless   mouse ", "SALE ergonomic keyboard", "usb-c   hub   hot!!", "Laptop stand"]
for t in titles:
    print(f"{t!r:<30} -> {clean(t)!r}")

total_chars = reduce(lambda acc, t: acc + len(clean(t)), titles, 0)
print("Characters after cleaning:", total_chars)
print("Largest order:", reduce(max, [310, 1250, 88, 990]))
