# Question: Simulate an LRU cache of product pages and report the hit rate for a request sequence.
from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.data = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key):
        if key in self.data:
            self.data.move_to_end(key)
            self.hits += 1
            return self.data[key]
        self.misses += 1
        value = f"<page {key}>"
        self.data[key] = value
        if len(self.data) > self.capacity:
            evicted, _ = self.data.popitem(last=False)
            print(f"  evict {evicted}")
        return value


requests = [1, 2, 3, 1, 4, 5, 2, 1, 6, 1, 3, 2, 7, 1]
cache = LRUCache(capacity=3)
for key in requests:
    cache.get(key)
print(f"hits={cache.hits} misses={cache.misses} hit rate={cache.hits / len(requests):.0%}")
print("cache now holds (oldest first):", list(cache.data))
