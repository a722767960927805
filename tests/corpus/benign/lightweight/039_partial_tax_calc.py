# Question: What is the gross price of items under different regional VAT rates?
from functools import partial


def gross_price(net, rate, rounding=2):
    return round(net * (1 + rate), rounding)


vat_rates = {"UK": 0.20, "DE": 0.19, "FR": 0.20, "IE": 0.23, "LU": 0.17}
calculators = {country: partial(gross_price, rate=rate) for country, rate in vat_rates.items()}

items = {"Laptop": 899.00, "Headphones": 149.99, "USB cable": 9.50}
header = f"{'Item':<12}" + "".join(f"{c:>10}" for c in calculators)
print(header)
for item, net in items.items():
    print(f"{item:<12}" + "".join(f"{calc(net):>10.2f}" for calc in calculators.values()))
print("partial keywords:", calculators["DE"].keywords)
