# Question: Which combination of open invoices exactly matches a customer's lump-sum payment of $1,845.50?
invoices = {"INV-11": 420.00, "INV-12": 315.25, "INV-13": 999.99, "INV-14": 612.75, "INV-15": 497.50, "INV-16": 210.00, "INV-17": 845.50}
payment = 1845.50

items = sorted(((k, round(v * 100)) for k, v in invoices.items()), key=lambda kv: -kv[1])
target = round(payment * 100)
solutions = []


def search(i, remaining, chosen):
    if remaining == 0:
        solutions.append(list(chosen))
        return
    if i == len(items) or remaining < 0:
        return
    name, cents = items[i]
    chosen.append(name)
    search(i + 1, remaining - cents, chosen)
    chosen.pop()
    search(i + 1, remaining, chosen)


search(0, target, [])
print(f"{len(solutions)} combination(s) match ${payment:,.2f}:")
for combo in solutions:
    print("  " + " + ".join(f"{c} (${invoices[c]:,.2f})" for c in sorted(combo)))
