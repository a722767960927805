# Question: What is the headcount under each manager in the org chart?
org = {
    "Alice": ["Bob", "Carol"],
    "Bob": ["Dave", "Eve", "Frank"],
    "Carol": ["Grace"],
    "Dave": [],
    "Eve": ["Heidi"],
    "Frank": [],
    "Grace": ["Ivan", "Judy"],
    "Heidi": [],
    "Ivan": [],
    "Judy": [],
}


def headcount(manager):
    reports = org.get(manager, [])
    return len(reports) + sum(headcount(r) for r in reports)


def print_tree(person, depth=0):
    total = headcount(person)
    suffix = f" ({total} below)" if total else ""
    print("    " * depth + f"- {person}{suffix}")
    for report in org[person]:
        print_tree(report, depth + 1)


print_tree("Alice")
managers = [p for p in org if org[p]]
print(f"\nManagers: {len(managers)}, individual contributors: {len(org) - len(managers)}")
