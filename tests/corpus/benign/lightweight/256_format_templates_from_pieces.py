# Question: Print a fixed-width table whose row template is built from pieces, and fill text templates.
from string import Template

rows = [("apple", 3, 1.25), ("banana", 12, 0.5), ("cherry", 7, 4.0)]
headers = ("item", "qty", "price")
row_format = "{:<10}" + "{:>6}" * 2
print(row_format.format(*headers))
for name, qty, price in rows:
    print(row_format.format(name, qty, f"{price:.2f}"))

line = " | ".join(["{:>8}"] * 3)
print(line.format("a", "b", "c"))

template = "Total: {total:,.2f}" if len(rows) > 2 else "Sum: {total}"
print(template.format(total=sum(q * p for _, q, p in rows)))

width = 12
print("{:>{width}}|".format("right", width=width))

greeting = Template("Hello $name, you bought $count items")
print(greeting.substitute(name="Ana", count=len(rows)))
text_from_data = "Report for ${region}: $$" + "${amount}"
print(Template(text_from_data).safe_substitute(region="North", amount=12))
print(sorted(Template(text_from_data).get_identifiers()))
