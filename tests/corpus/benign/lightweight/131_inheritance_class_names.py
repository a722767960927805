# Question: Calculate monthly pay for a mix of salaried, hourly and commissioned staff.
class Employee:
    def __init__(self, name):
        self.name = name

    def monthly_pay(self):
        raise NotImplementedError

    def __str__(self):
        return f"{self.name:<8} [{self.__class__.__name__:<16}] {self.monthly_pay():>10,.2f}"


class Salaried(Employee):
    def __init__(self, name, annual):
        super().__init__(name)
        self.annual = annual

    def monthly_pay(self):
        return self.annual / 12


class Hourly(Employee):
    def __init__(self, name, rate, hours):
        super().__init__(name)
        self.rate, self.hours = rate, hours

    def monthly_pay(self):
        overtime = max(self.hours - 160, 0)
        return self.rate * min(self.hours, 160) + self.rate * 1.5 * overtime


class CommissionedSalaried(Salaried):
    def __init__(self, name, annual, sales, pct):
        super().__init__(name, annual)
        self.sales, self.pct = sales, pct

    def monthly_pay(self):
        return super().monthly_pay() + self.sales * self.pct


staff = [Salaried("Anya", 72_000), Hourly("Bram", 24.5, 172), CommissionedSalaried("Cass", 48_000, 61_000, 0.03), Hourly("Dele", 31.0, 120)]
for person in staff:
    print(person)

totals = {}
for person in staff:
    kind = type(person).__name__
    totals[kind] = totals.get(kind, 0) + person.monthly_pay()
print({k: round(v, 2) for k, v in totals.items()})
print("MRO:", [cls.__name__ for cls in CommissionedSalaried.__mro__])
