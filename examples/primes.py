# A lightweight program: pure computation, accepted by the validator.
import itertools
import math


def primes():
    found = []
    for n in itertools.count(2):
        if all(n % p for p in found if p <= math.isqrt(n)):
            found.append(n)
            yield n


print(list(itertools.islice(primes(), 10)))
