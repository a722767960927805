# Question: Compare and sort shipment records, de-duplicating equal ones.
class Shipment:
    def __init__(self, tracking, weight_kg, destination):
        self.tracking = tracking
        self.weight_kg = weight_kg
        self.destination = destination

    def __repr__(self):
        return f"Shipment({self.tracking!r}, {self.weight_kg!r}, {self.destination!r})"

    def __eq__(self, other):
        if not isinstance(other, Shipment):
            return NotImplemented
        return self.tracking == other.tracking

    def __hash__(self):
        return hash(self.tracking)

    def __lt__(self, other):
        return (self.destination, -self.weight_kg) < (other.destination, -other.weight_kg)


shipments = [
    Shipment("TRK-9", 12.5, "Lyon"),
    Shipment("TRK-2", 3.0, "Berlin"),
    Shipment("TRK-5", 20.0, "Berlin"),
    Shipment("TRK-9", 12.5, "Lyon"),
    Shipment("TRK-7", 7.25, "Amsterdam"),
]
unique = []
for s in shipments:
    if s not in unique:
        unique.append(s)
print(f"{len(shipments)} records, {len(unique)} unique")
for s in sorted(unique):
    print(" ", s)
print("TRK-2 == TRK-5:", shipments[1] == shipments[2], "| compare to str:", shipments[0] == "TRK-9")
