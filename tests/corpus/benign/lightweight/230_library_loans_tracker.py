# Question: Track library loans, compute overdue fines and produce a member statement.
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum, auto
from typing import Optional


class Format(Enum):
    BOOK = auto()
    DVD = auto()
    MAGAZINE = auto()


LOAN_DAYS = {Format.BOOK: 21, Format.DVD: 7, Format.MAGAZINE: 14}
DAILY_FINE = {Format.BOOK: Decimal("0.25"), Format.DVD: Decimal("1.00"), Format.MAGAZINE: Decimal("0.10")}
FINE_CAP = Decimal("10.00")


class LoanError(Exception):
    pass


@dataclass(frozen=True)
class Item:
    item_id: str
    title: str
    fmt: Format


@dataclass
class Loan:
    item: Item
    member: str
    borrowed: date
    returned: Optional[date] = None

    @property
    def due(self) -> date:
        return self.borrowed + timedelta(days=LOAN_DAYS[self.item.fmt])

    def days_overdue(self, as_of: date) -> int:
        end = self.returned or as_of
        return max((end - self.due).days, 0)

    def fine(self, as_of: date) -> Decimal:
        return min(DAILY_FINE[self.item.fmt] * self.days_overdue(as_of), FINE_CAP)


@dataclass
class Library:
    items: dict[str, Item] = field(default_factory=dict)
    loans: list[Loan] = field(default_factory=list)
    max_loans: int = 3

    def add(self, *items: Item) -> None:
        for item in items:
            self.items[item.item_id] = item

    def active(self, member: Optional[str] = None) -> list[Loan]:
        return [l for l in self.loans if l.returned is None and (member is None or l.member == member)]

    def borrow(self, member: str, item_id: str, when: date) -> Loan:
        if any(l.item.item_id == item_id for l in self.active()):
            raise LoanError(f"{item_id} is already on loan")
        if len(self.active(member)) >= self.max_loans:
            raise LoanError(f"{member} already has {self.max_loans} items")
        loan = Loan(self.items[item_id], member, when)
        self.loans.append(loan)
        return loan

    def give_back(self, item_id: str, when: date) -> Loan:
        for loan in self.active():
            if loan.item.item_id == item_id:
                loan.returned = when
                return loan
        raise LoanError(f"{item_id} is not on loan")


lib = Library()
lib.add(Item("B1", "Python for Data Analysis", Format.BOOK), Item("B2", "Storytelling with Data", Format.BOOK),
        Item("D1", "The Big Short", Format.DVD), Item("M1", "The Economist #42", Format.MAGAZINE), Item("B3", "Naked Statistics", Format.BOOK))

actions = [
    ("borrow", "maya", "B1", date(2024, 3, 1)), ("borrow", "maya", "D1", date(2024, 3, 1)),
    ("borrow", "theo", "D1", date(2024, 3, 2)), ("borrow", "theo", "M1", date(2024, 3, 3)),
    ("borrow", "maya", "B2", date(2024, 3, 4)), ("borrow", "maya", "B3", date(2024, 3, 5)),
    ("return", None, "D1", date(2024, 3, 12)), ("borrow", "theo", "D1", date(2024, 3, 13)),
    ("return", None, "M1", date(2024, 3, 15)), ("return", None, "B1", date(2024, 4, 2)),
]
for kind, member, item_id, when in actions:
    try:
        if kind == "borrow":
            loan = lib.borrow(member, item_id, when)
            print(f"{when}: {member} borrowed {loan.item.title!r}, due {loan.due}")
        else:
            loan = lib.give_back(item_id, when)
            print(f"{when}: {loan.member} returned {loan.item.title!r} ({loan.days_overdue(when)} days late)")
    except LoanError as err:
        print(f"{when}: refused - {err}")

as_of = date(2024, 4, 10)
print(f"\nStatement as of {as_of:%d %B %Y}")
for member in sorted({l.member for l in lib.loans}):
    loans = [l for l in lib.loans if l.member == member]
    total = sum((l.fine(as_of) for l in loans), Decimal("0"))
    print(f"{member}: {len(loans)} loan(s), {len(lib.active(member))} still out, fines {total}")
    for l in loans:
        status = f"returned {l.returned}" if l.returned else "OUT"
        print(f"   {l.item.fmt.name:<8} {l.item.title:<26} due {l.due}  {status:<19} fine {l.fine(as_of)}")
