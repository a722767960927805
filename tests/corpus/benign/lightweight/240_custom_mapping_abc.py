# Question: Provide a read-only, case-insensitive lookup of country codes to names.
from collections.abc import Mapping


class CaseInsensitiveMap(Mapping):
    def __init__(self, data):
        self._data = {k.upper(): (k, v) for k, v in data.items()}

    def __getitem__(self, key):
        return self._data[key.upper()][1]

    def __iter__(self):
        return (original for original, _ in self._data.values())

    def __len__(self):
        return len(self._data)

    def __repr__(self):
        return f"{type(self).__name__}({dict(self)})"


countries = CaseInsensitiveMap({"DE": "Germany", "fr": "France", "Jp": "Japan", "BR": "Brazil"})
for code in ["de", "FR", "jp", "br", "us"]:
    print(f"{code}: {countries.get(code, 'unknown')}")
print("Keys:", list(countries), "| len:", len(countries), "| 'Fr' in map:", "Fr" in countries)
print(countries)
print("Items sorted by name:", sorted(countries.items(), key=lambda kv: kv[1]))
