# Question: What is the MRR movement (new, expansion, contraction, churn) from May to June?
may = {"acme": 500, "birch": 1200, "cobalt": 300, "delta": 800, "ember": 150}
june = {"acme": 650, "birch": 1200, "cobalt": 200, "ember": 150, "fjord": 400, "gale": 250}

movement = {"new": 0, "expansion": 0, "contraction": 0, "churn": 0}
details = []
for customer in sorted(may.keys() | june.keys()):
    before, after = may.get(customer, 0), june.get(customer, 0)
    if before == 0:
        kind = "new"
    elif after == 0:
        kind = "churn"
    elif after > before:
        kind = "expansion"
    elif after < before:
        kind = "contraction"
    else:
        continue
    movement[kind] += after - before
    details.append(f"{customer}:{kind}({after - before:+})")

print("May MRR:", sum(may.values()), "| June MRR:", sum(june.values()))
for kind, amount in movement.items():
    print(f"  {kind:<12} {amount:+6}")
print("Net new MRR:", sum(movement.values()))
print("Details:", ", ".join(details))
churn_rate = -movement["churn"] / sum(may.values())
print(f"Gross revenue churn: {churn_rate:.1%}; NRR: {(sum(may.values()) + movement['expansion'] + movement['contraction'] + movement['churn']) / sum(may.values()):.1%}")
