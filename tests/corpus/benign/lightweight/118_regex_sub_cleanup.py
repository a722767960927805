# Question: Normalize messy phone numbers into E.164 format for the US contact list.
import re

raw_numbers = ["(415) 555-0132", "415.555.0199", "+1 415 555 0100", "1-800-FLOWERS", "555-0123", "415 555 01 77 ext. 12", "+1 (212) 555-7788"]

letters = {c: str(d) for d, group in zip(range(2, 10), ["ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ"]) for c in group}


def normalize(number):
    number = re.sub(r"\s*(ext\.?|x)\s*\d+$", "", number, flags=re.I)
    number = re.sub(r"[A-Z]", lambda m: letters[m.group()], number.upper())
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None
    return f"+1{digits}"


for raw in raw_numbers:
    print(f"{raw:<24} -> {normalize(raw) or 'INVALID'}")
