# Question: account ledger private state (classes keeping their own state in private attributes).
class InsufficientFunds(Exception):
    pass

class Account:
    """A bank account."""
    interest = 0.02
    _count = 0

    def __init__(self, owner: str, balance: float = 0.0) -> None:
        self._owner = owner
        self._balance = balance
        self.__history = []
        Account._count += 1

    @property
    def balance(self) -> float:
        return self._balance

    @balance.setter
    def balance(self, value: float) -> None:
        if value < 0:
            raise ValueError("negative")
        self._balance = value

    def deposit(self, amount: float) -> "Account":
        self._balance += amount
        self.__history.append(("deposit", amount))
        return self

    def withdraw(self, amount):
        if amount > self._balance:
            raise InsufficientFunds(f"{self._owner} has only {self._balance:.2f}")
        self._balance -= amount
        self.__history.append(("withdraw", amount))

    @classmethod
    def count(cls):
        return cls._count

    @classmethod
    def from_csv(cls, line: str) -> "Account":
        owner, amount = line.split(",")
        return cls(owner, float(amount))

    def __repr__(self):
        return f"{type(self).__name__}({self._owner!r}, {self._balance:.2f})"

    def __eq__(self, other):
        if not isinstance(other, Account):
            return NotImplemented
        return self._owner == other._owner and self._balance == other._balance

    def history(self):
        return list(self.__history)

class Savings(Account):
    def __init__(self, owner, balance=0.0, rate=0.03):
        super().__init__(owner, balance)
        self._rate = rate

    def add_interest(self):
        self.deposit(self._balance * self._rate)

class Checking(Account):
    def __init__(self, owner, balance=0.0):
        Account.__init__(self, owner, balance)

accounts = [Savings("ann", 100), Account.from_csv("bob,50"), Checking("cy", 10)]
for a in accounts:
    a.deposit(10)
accounts[0].add_interest()
try:
    accounts[1].withdraw(1000)
except InsufficientFunds as e:
    print("error:", e)
accounts[2].balance = 5
for a in accounts:
    print(a, a.balance, a.history(), a.__class__.__name__)
print(Account.count(), accounts[0] == accounts[0], isinstance(accounts[0], Account))
print(type(accounts[0]) is Savings, type(accounts[0]).__name__)
