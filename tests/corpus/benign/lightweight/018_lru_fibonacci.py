# Question: How many ways can a customer climb a staircase taking 1, 2 or 3 steps at a time?
from functools import lru_cache


@lru_cache(maxsize=None)
def ways(n: int) -> int:
    if n < 0:
        return 0
    if n == 0:
        return 1
    return ways(n - 1) + ways(n - 2) + ways(n - 3)


for steps in (1, 2, 3, 4, 5, 10, 20, 30, 50):
    print(f"{steps:>3} steps: {ways(steps):,} ways")
info = ways.cache_info()
print(f"cache hits={info.hits} misses={info.misses} size={info.currsize}")
