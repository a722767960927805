# Question: Which customer accounts belong to the same household (linked by shared phone or address)?
class DisjointSet:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


accounts = {
    "C01": ("555-0101", "12 Oak St"),
    "C02": ("555-0199", "12 Oak St"),
    "C03": ("555-0199", "7 Elm Rd"),
    "C04": ("555-0300", "99 Pine Ave"),
    "C05": ("555-0411", "3 Birch Ln"),
    "C06": ("555-0411", "99 Pine Ave"),
    "C07": ("555-0777", "1 Cedar Ct"),
}

ds = DisjointSet()
seen = {}
for acct, keys in accounts.items():
    ds.find(acct)
    for key in keys:
        if key in seen:
            ds.union(acct, seen[key])
        else:
            seen[key] = acct

households = {}
for acct in accounts:
    households.setdefault(ds.find(acct), []).append(acct)
for i, members in enumerate(sorted(households.values()), 1):
    print(f"Household {i}: {', '.join(members)}")
