# Question: lru cache mutable mapping (classes keeping their own state in private attributes).
from collections import OrderedDict
from collections.abc import MutableMapping

class LRUCache(MutableMapping):
    def __init__(self, capacity=3):
        self._capacity = capacity
        self._data = OrderedDict()
        self._hits = 0
        self._misses = 0

    def __getitem__(self, key):
        if key in self._data:
            self._hits += 1
            self._data.move_to_end(key)
            return self._data[key]
        self._misses += 1
        raise KeyError(key)

    def __setitem__(self, key, value):
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self._capacity:
            self._data.popitem(last=False)

    def __delitem__(self, key):
        del self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def stats(self):
        return {"hits": self._hits, "misses": self._misses}

c = LRUCache()
for k in "abcdab":
    try:
        c[k]
    except KeyError:
        c[k] = ord(k)
print(dict(c), c.stats(), len(c), "a" in c)
