# Question: Write out cheque amounts in words.
ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def words(n):
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("-" + ONES[n % 10] if n % 10 else "")
    if n < 1000:
        return ONES[n // 100] + " hundred" + (" and " + words(n % 100) if n % 100 else "")
    for value, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= value:
            rest = n % value
            sep = " and " if 0 < rest < 100 else ", " if rest else ""
            return words(n // value) + " " + name + (sep + words(rest) if rest else "")


for amount in ["0.50", "17.00", "342.15", "1005.99", "25000.00", "1234567.89"]:
    dollars, cents = map(int, amount.split("."))
    print(f"${float(amount):>13,.2f}: {words(dollars).capitalize()} dollars and {cents:02d}/100")
