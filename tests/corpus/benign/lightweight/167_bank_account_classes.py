# Question: Process a day's transactions against checking and savings accounts with overdraft rules.
class InsufficientFundsError(Exception):
    pass


class Account:
    def __init__(self, number, owner, balance=0.0):
        self.number, self.owner, self.balance = number, owner, balance
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))

    def withdraw(self, amount):
        if amount > self.available():
            raise InsufficientFundsError(f"{self.number}: {amount:.2f} > available {self.available():.2f}")
        self.balance -= amount
        self.history.append(("withdraw", amount))

    def available(self):
        return self.balance

    def __repr__(self):
        return f"<{type(self).__name__} {self.number} {self.owner} {self.balance:,.2f}>"


class Checking(Account):
    def __init__(self, number, owner, balance=0.0, overdraft=500.0):
        super().__init__(number, owner, balance)
        self.overdraft = overdraft

    def available(self):
        return self.balance + self.overdraft


class Savings(Account):
    RATE = 0.035

    def add_interest(self, days):
        interest = round(self.balance * self.RATE * days / 365, 2)
        self.deposit(interest)
        return interest


accounts = {"C-1": Checking("C-1", "Ines", 300.0), "S-1": Savings("S-1", "Ines", 10_000.0)}
ops = [("C-1", "withdraw", 650.0), ("C-1", "withdraw", 200.0), ("S-1", "withdraw", 2500.0), ("C-1", "deposit", -5), ("C-1", "deposit", 1000.0)]
for number, op, amount in ops:
    try:
        account = accounts[number]
        action = {"withdraw": account.withdraw, "deposit": account.deposit}[op]
        action(amount)
        print(f"ok    {op:<8} {amount:>8.2f} on {number}")
    except (InsufficientFundsError, ValueError) as exc:
        print(f"fail  {op:<8} {amount:>8.2f} on {number}: {exc}")
print("interest:", accounts["S-1"].add_interest(30))
for acct in accounts.values():
    print(acct, "history:", len(acct.history))
