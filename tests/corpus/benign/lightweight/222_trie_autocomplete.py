# Question: Suggest product names as the user types a prefix, ranked by popularity.
class TrieNode:
    def __init__(self):
        self.children = {}
        self.popularity = None


class Trie:
    def __init__(self):
        self.root = TrieNode()

    def insert(self, word, popularity):
        node = self.root
        for ch in word:
            node = node.children.setdefault(ch, TrieNode())
        node.popularity = popularity

    def complete(self, prefix, limit=3):
        node = self.root
        for ch in prefix:
            if ch not in node.children:
                return []
            node = node.children[ch]
        found = []
        stack = [(node, prefix)]
        while stack:
            current, text = stack.pop()
            if current.popularity is not None:
                found.append((current.popularity, text))
            for ch, child in current.children.items():
                stack.append((child, text + ch))
        return [w for _, w in sorted(found, key=lambda t: (-t[0], t[1]))[:limit]]


trie = Trie()
for name, pop in [("laptop", 950), ("laptop stand", 420), ("lamp", 300), ("label printer", 120), ("lanyard", 45),
                  ("monitor", 800), ("monitor arm", 390), ("mouse", 870), ("mousepad", 310)]:
    trie.insert(name, pop)
for prefix in ["la", "lap", "mo", "mou", "x"]:
    print(f"{prefix!r:<6} -> {trie.complete(prefix)}")
