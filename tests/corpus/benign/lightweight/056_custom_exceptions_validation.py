# Question: Validate expense claims against policy and list the violations.
class PolicyError(Exception):
    """Base class for expense policy violations."""


class OverLimitError(PolicyError):
    def __init__(self, category, amount, limit):
        super().__init__(f"{category} claim {amount:.2f} exceeds limit {limit:.2f}")
        self.excess = amount - limit


class MissingReceiptError(PolicyError):
    pass


LIMITS = {"meals": 75.0, "hotel": 250.0, "taxi": 60.0}


def validate(claim):
    category, amount, has_receipt = claim
    if category not in LIMITS:
        raise KeyError(category)
    if amount > 25 and not has_receipt:
        raise MissingReceiptError(f"{category} claim {amount:.2f} needs a receipt")
    if amount > LIMITS[category]:
        raise OverLimitError(category, amount, LIMITS[category])
    return amount


claims = [("meals", 42.0, True), ("hotel", 310.0, True), ("taxi", 38.5, False), ("flowers", 20.0, True), ("meals", 18.0, False)]
approved = 0.0
for i, claim in enumerate(claims, 1):
    try:
        approved += validate(claim)
    except OverLimitError as e:
        print(f"claim {i}: REJECTED ({e}); excess {e.excess:.2f}")
    except PolicyError as e:
        print(f"claim {i}: REJECTED ({type(e).__name__}: {e})")
    except KeyError as e:
        print(f"claim {i}: unknown category {e}")
    else:
        print(f"claim {i}: approved")
    finally:
        pass
print(f"Approved total: {approved:.2f}")
