# Question: Track how many times each discount code is applied using closures.
def make_discount(code, percent, max_uses):
    uses = 0

    def apply(price):
        nonlocal uses
        if uses >= max_uses:
            return price, f"{code} exhausted"
        uses += 1
        return round(price * (1 - percent / 100), 2), f"{code} use {uses}/{max_uses}"

    def remaining():
        return max_uses - uses

    apply.remaining = remaining
    return apply


spring = make_discount("SPRING10", 10, 2)
vip = make_discount("VIP25", 25, 3)

for price, discount in [(80.0, spring), (120.0, vip), (45.0, spring), (60.0, spring), (200.0, vip)]:
    new_price, note = discount(price)
    print(f"{price:>7.2f} -> {new_price:>7.2f}  ({note})")
print("Remaining uses:", {"SPRING10": spring.remaining(), "VIP25": vip.remaining()})
