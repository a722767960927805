# Question: How many API requests would a token-bucket rate limiter reject during a traffic burst?
import random


class TokenBucket:
    def __init__(self, rate_per_s, capacity):
        self.rate, self.capacity = rate_per_s, capacity
        self.tokens = capacity
        self.last = 0.0

    def allow(self, t):
        self.tokens = min(self.capacity, self.tokens + (t - self.last) * self.rate)
        self.last = t
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


rng = random.Random(77)
arrivals = sorted(rng.uniform(0, 10) for _ in range(120)) + sorted(rng.uniform(10, 12) for _ in range(80))
for rate, capacity in [(10, 10), (10, 40), (20, 20)]:
    bucket = TokenBucket(rate, capacity)
    accepted = sum(bucket.allow(t) for t in arrivals)
    print(f"rate {rate:>2}/s burst {capacity:>2}: accepted {accepted:>3}, rejected {len(arrivals) - accepted:>3}")
