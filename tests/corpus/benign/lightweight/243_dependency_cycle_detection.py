# Question: Do any of our microservices have circular dependencies? Report each cycle found.
services = {
    "gateway": ["auth", "catalog", "orders"],
    "auth": ["users"],
    "users": ["audit"],
    "audit": [],
    "catalog": ["pricing", "inventory"],
    "pricing": ["catalog"],
    "inventory": ["warehouse"],
    "warehouse": ["inventory", "audit"],
    "orders": ["payments", "inventory"],
    "payments": ["audit"],
}

WHITE, GREY, BLACK = 0, 1, 2
state = {s: WHITE for s in services}
stack = []
cycles = []


def visit(node):
    state[node] = GREY
    stack.append(node)
    for dep in services[node]:
        if state[dep] == GREY:
            cycles.append(stack[stack.index(dep):] + [dep])
        elif state[dep] == WHITE:
            visit(dep)
    stack.pop()
    state[node] = BLACK


for service in services:
    if state[service] == WHITE:
        visit(service)

print(f"Found {len(cycles)} cycle(s):")
for cycle in cycles:
    print("  " + " -> ".join(cycle))
acyclic = sorted(s for s in services if not any(s in c for c in cycles))
print("Services not involved in any cycle:", ", ".join(acyclic))
