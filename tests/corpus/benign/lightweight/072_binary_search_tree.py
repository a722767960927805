# Question: Build a search tree of customer IDs and answer range queries on it.
class Node:
    __slots__ = ("key", "left", "right")

    def __init__(self, key):
        self.key = key
        self.left = self.right = None


def insert(root, key):
    if root is None:
        return Node(key)
    if key < root.key:
        root.left = insert(root.left, key)
    elif key > root.key:
        root.right = insert(root.right, key)
    return root


def in_range(root, low, high, out):
    if root is None:
        return out
    if low < root.key:
        in_range(root.left, low, high, out)
    if low <= root.key <= high:
        out.append(root.key)
    if root.key < high:
        in_range(root.right, low, high, out)
    return out


def height(root):
    return 0 if root is None else 1 + max(height(root.left), height(root.right))


root = None
for cid in [5012, 3007, 8100, 1550, 4020, 6500, 9901, 3500, 7002, 5012]:
    root = insert(root, cid)
print("IDs between 3000 and 7000:", in_range(root, 3000, 7000, []))
print("Tree height:", height(root))
print("All IDs sorted:", in_range(root, 0, 10**6, []))
