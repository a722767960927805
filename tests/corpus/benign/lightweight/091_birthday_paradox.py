# Question: How many people are needed before a shared birthday becomes more likely than not?
import math

def p_shared(n, days=365):
    p_unique = 1.0
    for k in range(n):
        p_unique *= (days - k) / days
    return 1 - p_unique


for n in (10, 20, 23, 30, 40, 50, 70):
    print(f"{n:>3} people: {p_shared(n):6.2%}")
first = next(n for n in range(1, 366) if p_shared(n) > 0.5)
print("Smallest group with >50%:", first)
approx = math.sqrt(2 * 365 * math.log(2))
print(f"Approximation sqrt(2*365*ln 2) = {approx:.2f}")
