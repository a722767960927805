# Question: Time each step of a small calculation pipeline and report which steps ran.
import sys
import time
from contextlib import contextmanager

steps_run = []


@contextmanager
def timed(step):
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        steps_run.append(step)
        print(f"[timing] {step} took {elapsed * 1000:.3f} ms", file=sys.stderr)


with timed("generate"):
    numbers = [n * n % 97 for n in range(10_000)]
with timed("aggregate"):
    total = sum(numbers)
    distinct = len(set(numbers))
with timed("rank"):
    top = sorted(set(numbers), reverse=True)[:5]

print(f"Total: {total}, distinct residues: {distinct}, top five: {top}")
print("Steps completed:", " -> ".join(steps_run))
