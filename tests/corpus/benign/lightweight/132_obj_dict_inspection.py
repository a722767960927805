# Question: Show which fields changed on a customer record after an update.
class Customer:
    def __init__(self, cid, name, email, tier="standard", credit_limit=1000):
        self.cid = cid
        self.name = name
        self.email = email
        self.tier = tier
        self.credit_limit = credit_limit


before = Customer(42, "Nadia Haddad", "nadia@example.com")
snapshot = dict(before.__dict__)

before.tier = "gold"
before.credit_limit = 5000
before.email = "n.haddad@example.com"
before.notes = "upgraded after annual review"

after = before.__dict__
for key in sorted(snapshot.keys() | after.keys()):
    old, new = snapshot.get(key, "<missing>"), after.get(key, "<missing>")
    if old != new:
        print(f"{key:<13} {old!r:<22} -> {new!r}")
print("Fields now:", list(before.__dict__))
