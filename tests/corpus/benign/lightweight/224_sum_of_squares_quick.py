# Question: What is the sum of the squares of the first 100 order numbers, and how does it compare with the formula?
n = 100
total = sum(i * i for i in range(1, n + 1))
print(f"Sum of squares 1..{n}: {total:,}")
print("Formula n(n+1)(2n+1)/6 agrees:", total == n * (n + 1) * (2 * n + 1) // 6)
