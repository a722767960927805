# Question: What is each employee's age and tenure as of the end of the fiscal year?
from datetime import date

as_of = date(2024, 6, 30)
employees = [
    ("Hiroshi", date(1985, 7, 14), date(2015, 3, 2)),
    ("Marta", date(1992, 6, 30), date(2020, 11, 16)),
    ("Olu", date(1978, 2, 28), date(2008, 1, 7)),
    ("Sven", date(2000, 12, 1), date(2023, 9, 4)),
]


def years_between(earlier, later):
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


for name, born, hired in employees:
    age = years_between(born, as_of)
    tenure_days = (as_of - hired).days
    print(f"{name:<8} age {age:>2}  tenure {tenure_days / 365.25:5.1f} years  (hired {hired:%d %b %Y})")
avg_age = sum(years_between(b, as_of) for _, b, _ in employees) / len(employees)
print(f"Average age: {avg_age:.1f}")
