# Question: Look up customers' account managers, handling customers with no manager assigned.
from typing import Optional, Union

managers = {"acme": "Priya", "globex": None, "initech": "Marcus"}
regions = {"Priya": "EMEA", "Marcus": "AMER"}


def find_manager(customer: str) -> Optional[str]:
    return managers.get(customer)


def manager_region(customer: str) -> Union[str, None]:
    manager = find_manager(customer)
    if manager is None:
        return None
    return regions.get(manager)


for customer in ("acme", "globex", "initech", "umbrella"):
    manager = find_manager(customer)
    region = manager_region(customer)
    label = manager if manager is not None else "(unassigned)"
    print(f"{customer:<9} manager={label:<13} region={region or '-'}")
unassigned = [c for c in managers if find_manager(c) is None]
print("Needs assignment:", unassigned)
