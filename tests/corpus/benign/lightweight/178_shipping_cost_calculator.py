# Question: Quote shipping costs for parcels depending on zone, weight and service level.
from dataclasses import dataclass


@dataclass
class Parcel:
    ref: str
    weight_kg: float
    zone: str
    service: str
    fragile: bool = False


def quote(p: Parcel) -> float:
    match p.zone:
        case "domestic":
            base, per_kg = 4.0, 0.8
        case "eu":
            base, per_kg = 9.5, 1.6
        case "world" if p.weight_kg <= 2:
            base, per_kg = 15.0, 4.0
        case "world":
            base, per_kg = 22.0, 3.5
        case other:
            raise ValueError(f"unknown zone {other!r}")
    cost = base + per_kg * p.weight_kg
    match p.service:
        case "express":
            cost *= 1.6
        case "economy":
            cost *= 0.85
    if p.fragile:
        cost += 3.0
    return round(cost, 2)


parcels = [Parcel("A", 1.2, "domestic", "standard"), Parcel("B", 4.0, "eu", "express", True),
           Parcel("C", 1.5, "world", "economy"), Parcel("D", 7.3, "world", "standard"), Parcel("E", 2.0, "mars", "standard")]
for p in parcels:
    try:
        print(f"{p.ref}: {p.weight_kg:>4} kg {p.zone:<9} {p.service:<9} {'fragile' if p.fragile else '':<8} ${quote(p):>6.2f}")
    except ValueError as exc:
        print(f"{p.ref}: cannot quote ({exc})")
