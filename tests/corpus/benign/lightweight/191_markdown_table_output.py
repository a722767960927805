# Question: Produce a Markdown table of the top customers for a status report.
customers = [("Northwind", 48_200, 31), ("Contoso", 39_950, 12), ("Fabrikam", 37_400, 27), ("Tailspin", 21_075, 8), ("Litware", 19_990, 15)]
total = sum(c[1] for c in customers)

lines = ["| Rank | Customer | Revenue | Orders | Share |", "|---:|:---|---:|---:|---:|"]
for rank, (name, revenue, orders) in enumerate(sorted(customers, key=lambda c: -c[1]), 1):
    lines.append(f"| {rank} | {name} | ${revenue:,} | {orders} | {revenue / total:.1%} |")
lines.append(f"| | **Total** | **${total:,}** | **{sum(c[2] for c in customers)}** | 100% |")
print("\n".join(lines))
