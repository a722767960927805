# Question: What is the fewest number of coins to give change, and how many ways are there to do it?
coins = [1, 2, 5, 10, 20, 50, 100, 200]  # pence


def min_coins(amount):
    best = [0] + [float("inf")] * amount
    pick = [0] * (amount + 1)
    for a in range(1, amount + 1):
        for c in coins:
            if c <= a and best[a - c] + 1 < best[a]:
                best[a] = best[a - c] + 1
                pick[a] = c
    used = []
    while amount:
        used.append(pick[amount])
        amount -= pick[amount]
    return used


def count_ways(amount):
    ways = [1] + [0] * amount
    for c in coins:
        for a in range(c, amount + 1):
            ways[a] += ways[a - c]
    return ways[amount]


for amount in (37, 99, 188, 200):
    used = min_coins(amount)
    print(f"{amount:>3}p: {len(used)} coins {sorted(used, reverse=True)}; {count_ways(amount):,} ways in total")
