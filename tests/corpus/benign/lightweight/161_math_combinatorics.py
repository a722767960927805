# Question: How many possible lottery tickets, committee selections and seating orders are there?
import math

print(f"6 of 49 lottery tickets: {math.comb(49, 6):,}")
print(f"Odds of matching exactly 3: 1 in {math.comb(49, 6) / (math.comb(6, 3) * math.comb(43, 3)):.1f}")
print(f"Committees of 4 from 12 staff: {math.comb(12, 4):,}")
print(f"Ordered top-3 podiums from 10 runners: {math.perm(10, 3):,}")
print(f"Seating 8 guests at a round table: {math.factorial(7):,}")
print(f"gcd(84, 126) = {math.gcd(84, 126)}, lcm(4, 6, 10) = {math.lcm(4, 6, 10)}")
pascal = [[math.comb(n, k) for k in range(n + 1)] for n in range(7)]
width = len(" ".join(map(str, pascal[-1])))
for row in pascal:
    print(" ".join(map(str, row)).center(width))
