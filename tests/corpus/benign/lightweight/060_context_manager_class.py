# Question: Apply a batch of account transfers atomically, rolling back if any transfer fails.
class InsufficientFunds(Exception):
    pass


class Transaction:
    def __init__(self, accounts):
        self.accounts = accounts

    def __enter__(self):
        self.snapshot = dict(self.accounts)
        return self

    def transfer(self, src, dst, amount):
        if self.accounts[src] < amount:
            raise InsufficientFunds(f"{src} has {self.accounts[src]}, needs {amount}")
        self.accounts[src] -= amount
        self.accounts[dst] += amount

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.accounts.clear()
            self.accounts.update(self.snapshot)
            print(f"  rolled back: {exc}")
            return True  # swallow the error after rollback
        print("  committed")
        return False


accounts = {"ops": 5000, "marketing": 1200, "rnd": 800}
batches = [
    [("ops", "marketing", 1000), ("ops", "rnd", 500)],
    [("rnd", "ops", 200), ("marketing", "rnd", 5000)],
]
for i, batch in enumerate(batches, 1):
    print(f"batch {i}:")
    with Transaction(accounts) as tx:
        for src, dst, amount in batch:
            tx.transfer(src, dst, amount)
    print(f"  balances: {accounts}")
