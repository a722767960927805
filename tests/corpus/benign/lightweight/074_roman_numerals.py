# Question: Convert film release years to Roman numerals and back for the credits page.
VALUES = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def to_roman(n):
    out = []
    for value, symbol in VALUES:
        count, n = divmod(n, value)
        out.append(symbol * count)
    return "".join(out)


def from_roman(s):
    lookup = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for ch, nxt in zip(s, s[1:] + " "):
        v = lookup[ch]
        total += -v if nxt != " " and lookup[nxt] > v else v
    return total


for year in [1984, 1999, 2001, 2024, 3888, 444]:
    r = to_roman(year)
    assert from_roman(r) == year
    print(f"{year} -> {r:<14} -> {from_roman(r)}")
