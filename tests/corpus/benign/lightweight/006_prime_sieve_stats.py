# Question: How are prime numbers below 10,000 distributed across blocks of 1,000?
import math


def sieve(limit):
    is_prime = [True] * (limit + 1)
    is_prime[0] = is_prime[1] = False
    for n in range(2, math.isqrt(limit) + 1):
        if is_prime[n]:
            for multiple in range(n * n, limit + 1, n):
                is_prime[multiple] = False
    return [n for n, flag in enumerate(is_prime) if flag]


primes = sieve(10_000)
print(f"Primes below 10,000: {len(primes)}")
print(f"Largest: {primes[-1]}; approximation n/ln(n): {10_000 / math.log(10_000):.1f}")
for block in range(10):
    low, high = block * 1000, (block + 1) * 1000
    count = sum(1 for p in primes if low <= p < high)
    print(f"[{low:>5}, {high:>5}): {count:>3}")
twins = [(p, q) for p, q in zip(primes, primes[1:]) if q - p == 2]
print(f"Twin prime pairs: {len(twins)}; last: {twins[-1]}")
