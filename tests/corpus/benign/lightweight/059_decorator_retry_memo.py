# Question: Fetch exchange rates from a flaky (simulated) source with retries and caching.
import functools
import random

random.seed(7)
calls = {"count": 0}


def retry(times):
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(1, times + 1):
                try:
                    return func(*args, **kwargs)
                except ConnectionError as exc:
                    print(f"  attempt {attempt} failed: {exc}")
            raise RuntimeError(f"{func.__name__} failed after {times} attempts")
        return wrapper
    return decorator


RATES = {"EUR": 0.92, "GBP": 0.79, "JPY": 151.3}


@functools.lru_cache(maxsize=16)
@retry(times=4)
def get_rate(currency):
    """Simulated remote lookup that fails about 40% of the time."""
    calls["count"] += 1
    if random.random() < 0.4:
        raise ConnectionError("timeout")
    return RATES[currency]


for cur in ["EUR", "GBP", "EUR", "JPY", "GBP"]:
    print(f"USD->{cur}: {get_rate(cur)}")
print("Underlying calls:", calls["count"], "| function name preserved:", get_rate.__wrapped__.__name__)
