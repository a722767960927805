# Question: Demonstrate classic ciphers on a sample message for a training workshop.
import string

LOWER = string.ascii_lowercase


def caesar(text, shift):
    table = str.maketrans(LOWER + LOWER.upper(), LOWER[shift:] + LOWER[:shift] + (LOWER[shift:] + LOWER[:shift]).upper())
    return text.translate(table)


def vigenere(text, key, decrypt=False):
    out, k = [], 0
    for ch in text:
        if ch.lower() in LOWER:
            shift = LOWER.index(key[k % len(key)])
            if decrypt:
                shift = -shift
            base = "a" if ch.islower() else "A"
            out.append(chr((ord(ch) - ord(base) + shift) % 26 + ord(base)))
            k += 1
        else:
            out.append(ch)
    return "".join(out)


message = "Quarterly Results Embargoed Until Friday"
c = caesar(message, 3)
print("Caesar+3: ", c)
print("Decoded:  ", caesar(c, 23))
v = vigenere(message, "ledger")
print("Vigenere: ", v)
print("Decoded:  ", vigenere(v, "ledger", decrypt=True))
