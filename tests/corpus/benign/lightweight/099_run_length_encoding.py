# Question: Compress a sequence of machine states with run-length encoding and report downtime runs.
from itertools import groupby

states = "RRRRRRIIIRRRRRDDDDRRRRRRRRIIRRDDDDDDDRRRR"  # R=running, I=idle, D=down (one char per minute)


def rle(s):
    return [(ch, len(list(g))) for ch, g in groupby(s)]


def decode(pairs):
    return "".join(ch * n for ch, n in pairs)


encoded = rle(states)
print("Encoded:", "".join(f"{n}{ch}" for ch, n in encoded))
assert decode(encoded) == states
minute = 0
for ch, n in encoded:
    if ch == "D":
        print(f"Downtime from minute {minute} to {minute + n - 1} ({n} min)")
    minute += n
totals = {ch: sum(n for c, n in encoded if c == ch) for ch in "RID"}
print("Minutes by state:", totals, f"availability {totals['R'] / len(states):.1%}")
