# Question: Assign incoming support tickets to agents round-robin, skipping agents on break.
from collections import deque

agents = deque(["Ana", "Bilal", "Chiara", "Dmitri"])
on_break = {"Chiara"}
tickets = [f"T{n:03d}" for n in range(1, 11)]

assignments = {a: [] for a in agents}
for ticket in tickets:
    while agents[0] in on_break:
        agents.rotate(-1)
    agent = agents[0]
    assignments[agent].append(ticket)
    agents.rotate(-1)
    if ticket == "T006":
        on_break.discard("Chiara")
        on_break.add("Ana")
        print("-- after T006: Chiara back, Ana on break")

for agent, assigned in assignments.items():
    print(f"{agent:<7} {len(assigned)}: {' '.join(assigned)}")
