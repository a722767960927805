# Question: Display the product category taxonomy as a tree with item counts.
taxonomy = {
    "Electronics": {"Computers": {"Laptops": 42, "Desktops": 17}, "Audio": {"Headphones": 63, "Speakers": 25}, "Cameras": 11},
    "Home": {"Kitchen": {"Cookware": 38, "Appliances": 22}, "Furniture": 54},
    "Outdoor": {"Camping": 19},
}


def count(node):
    return node if isinstance(node, int) else sum(count(v) for v in node.values())


def show(node, prefix=""):
    items = list(node.items())
    for i, (name, child) in enumerate(items):
        last = i == len(items) - 1
        print(f"{prefix}{'└── ' if last else '├── '}{name} ({count(child)})")
        if isinstance(child, dict):
            show(child, prefix + ("    " if last else "│   "))


print(f"Catalogue ({count(taxonomy)} items)")
show(taxonomy)
