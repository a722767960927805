# Question: Produce a complete monthly sales report (by rep, product, week, with targets) from raw CSV text.
import csv
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, ROUND_HALF_UP

RAW = """date,rep,region,product,units,unit_price
2024-09-02,Alba,North,Basic,12,49.00
2024-09-02,Bram,South,Pro,3,199.00
2024-09-03,Alba,North,Pro,2,199.00
2024-09-04,Cleo,East,Basic,20,45.00
2024-09-05,Bram,South,Basic,7,49.00
2024-09-06,Dario,West,Enterprise,1,1499.00
2024-09-09,Cleo,East,Pro,4,189.00
2024-09-10,Alba,North,Basic,9,49.00
2024-09-11,Dario,West,Pro,5,199.00
2024-09-12,Bram,South,Enterprise,1,1450.00
2024-09-16,Alba,North,Enterprise,2,1499.00
2024-09-17,Cleo,East,Basic,15,45.00
2024-09-18,Dario,West,Basic,10,49.00
2024-09-19,Bram,South,Pro,6,199.00
2024-09-23,Cleo,East,Enterprise,1,1399.00
2024-09-24,Alba,North,Pro,3,199.00
2024-09-25,Dario,West,Pro,2,199.00
2024-09-26,Bram,South,Basic,11,49.00
2024-09-30,Cleo,East,Pro,6,189.00
"""

TARGETS = {"Alba": Decimal("6000"), "Bram": Decimal("4500"), "Cleo": Decimal("5000"), "Dario": Decimal("4000")}
CENT = Decimal("0.01")


@dataclass
class Sale:
    day: date
    rep: str
    region: str
    product: str
    units: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.units * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def load(text: str) -> list[Sale]:
    sales = []
    for row in csv.DictReader(io.StringIO(text)):
        sales.append(Sale(
            day=datetime.strptime(row["date"], "%Y-%m-%d").date(),
            rep=row["rep"],
            region=row["region"],
            product=row["product"],
            units=int(row["units"]),
            unit_price=Decimal(row["unit_price"]),
        ))
    return sales


def section(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def by_rep(sales: list[Sale]) -> None:
    section("Performance by rep")
    totals = defaultdict(Decimal)
    deals = defaultdict(int)
    for s in sales:
        totals[s.rep] += s.amount
        deals[s.rep] += 1
    print(f"{'Rep':<7}{'Deals':>6}{'Revenue':>12}{'Target':>10}{'Attain':>9}")
    for rep in sorted(totals, key=totals.get, reverse=True):
        attain = totals[rep] / TARGETS[rep]
        marker = " *" if attain >= 1 else ""
        print(f"{rep:<7}{deals[rep]:>6}{totals[rep]:>12,.2f}{TARGETS[rep]:>10,.0f}{attain:>9.1%}{marker}")


def by_product(sales: list[Sale]) -> None:
    section("Mix by product")
    units = defaultdict(int)
    revenue = defaultdict(Decimal)
    prices = defaultdict(list)
    for s in sales:
        units[s.product] += s.units
        revenue[s.product] += s.amount
        prices[s.product].append(float(s.unit_price))
    grand = sum(revenue.values())
    for product in ("Basic", "Pro", "Enterprise"):
        avg_price = statistics.mean(prices[product])
        print(f"{product:<11}{units[product]:>5} units {revenue[product]:>11,.2f} "
              f"({revenue[product] / grand:>6.1%})  avg price {avg_price:>8.2f}")


def by_week(sales: list[Sale]) -> None:
    section("Revenue by ISO week")
    weekly = defaultdict(Decimal)
    for s in sales:
        weekly[s.day.isocalendar().week] += s.amount
    peak = max(weekly.values())
    for week, amount in sorted(weekly.items()):
        bar = "#" * int(30 * amount / peak)
        print(f"W{week:02d} {amount:>10,.2f} {bar}")


def highlights(sales: list[Sale]) -> None:
    section("Highlights")
    biggest = max(sales, key=lambda s: s.amount)
    print(f"Largest deal: {biggest.rep} sold {biggest.units} x {biggest.product} on {biggest.day:%a %d %b} for {biggest.amount:,.2f}")
    discounted = [s for s in sales if s.unit_price < {"Basic": 49, "Pro": 199, "Enterprise": 1499}[s.product]]
    print(f"Discounted deals: {len(discounted)} ({', '.join(sorted({s.rep for s in discounted}))})")
    region_totals = defaultdict(Decimal)
    for s in sales:
        region_totals[s.region] += s.amount
    best_region = max(region_totals, key=region_totals.get)
    print(f"Top region: {best_region} with {region_totals[best_region]:,.2f}")


def main() -> None:
    sales = load(RAW)
    total = sum((s.amount for s in sales), Decimal("0"))
    first, last = min(s.day for s in sales), max(s.day for s in sales)
    print(f"SALES REPORT {first:%B %Y}".center(50, "="))
    print(f"{len(sales)} transactions from {first:%d %b} to {last:%d %b}; total revenue {total:,.2f}")
    by_rep(sales)
    by_product(sales)
    by_week(sales)
    highlights(sales)


if __name__ == "__main__":
    main()
