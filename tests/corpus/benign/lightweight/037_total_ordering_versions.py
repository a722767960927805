# Question: Sort the release versions of our app and find the latest stable one.
from functools import total_ordering


@total_ordering
class Version:
    def __init__(self, text):
        core, _, pre = text.partition("-")
        self.parts = tuple(int(p) for p in core.split("."))
        self.pre = pre or None
        self.text = text

    def _key(self):
        # a pre-release sorts before the final release
        return (self.parts, 0 if self.pre else 1, self.pre or "")

    def __eq__(self, other):
        return self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __repr__(self):
        return f"Version({self.text!r})"


releases = [Version(v) for v in ["1.10.0", "1.2.3", "1.9.12", "2.0.0-rc1", "1.10.0-beta", "2.0.0", "0.9.9"]]
ordered = sorted(releases)
print("Ordered:", ", ".join(v.text for v in ordered))
stable = [v for v in releases if v.pre is None]
print("Latest stable:", max(stable))
print("2.0.0-rc1 >= 1.10.0:", Version("2.0.0-rc1") >= Version("1.10.0"))
