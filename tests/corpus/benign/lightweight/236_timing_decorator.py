# Question: Compare two ways of finding duplicate order IDs, checking that they agree (timings go to the log).
import functools
import logging
import random
import time

logging.basicConfig(level=logging.DEBUG)
log = logging.getLogger("perf")


def timed(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            log.debug("%s took %.2f ms", func.__name__, (time.perf_counter() - start) * 1000)
    return wrapper


@timed
def duplicates_sorting(ids):
    ordered = sorted(ids)
    return sorted({a for a, b in zip(ordered, ordered[1:]) if a == b})


@timed
def duplicates_set(ids):
    seen, dups = set(), set()
    for i in ids:
        (dups if i in seen else seen).add(i)
    return sorted(dups)


rng = random.Random(4)
ids = [rng.randint(100_000, 140_000) for _ in range(20_000)]
a, b = duplicates_sorting(ids), duplicates_set(ids)
print(f"{len(a)} duplicate ids found; methods agree: {a == b}")
print("First five:", a[:5])
print("Wrapped names kept:", duplicates_sorting.__name__, duplicates_set.__name__)
