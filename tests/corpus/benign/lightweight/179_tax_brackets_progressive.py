# Question: What income tax is owed at different salary levels under a progressive bracket system?
brackets = [(12_570, 0.0), (50_270, 0.20), (125_140, 0.40), (float("inf"), 0.45)]


def income_tax(income):
    tax, lower = 0.0, 0
    breakdown = []
    for upper, rate in brackets:
        if income <= lower:
            break
        taxable = min(income, upper) - lower
        tax += taxable * rate
        breakdown.append((rate, taxable))
        lower = upper
    return tax, breakdown


for salary in (18_000, 35_000, 60_000, 100_000, 150_000):
    tax, parts = income_tax(salary)
    detail = " + ".join(f"{int(r * 100)}% x {t:,.0f}" for r, t in parts if r)
    print(f"{salary:>8,}: tax {tax:>9,.2f}  effective {tax / salary:6.2%}  [{detail}]")
