# Question: How far is the analysts' ranking of products from the sales ranking (count of inversions)?
def sort_count(items):
    if len(items) <= 1:
        return items, 0
    mid = len(items) // 2
    left, a = sort_count(items[:mid])
    right, b = sort_count(items[mid:])
    merged, inversions = [], a + b
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i]); i += 1
        else:
            merged.append(right[j]); j += 1
            inversions += len(left) - i
    merged += left[i:] + right[j:]
    return merged, inversions


sales_rank = ["P3", "P1", "P7", "P2", "P5", "P4", "P6"]
analyst_rank = ["P1", "P3", "P2", "P7", "P4", "P6", "P5"]
position = {p: i for i, p in enumerate(sales_rank)}
_, inv = sort_count([position[p] for p in analyst_rank])
n = len(sales_rank)
max_inv = n * (n - 1) // 2
print(f"Inversions: {inv} of {max_inv} possible")
print(f"Kendall tau: {1 - 2 * inv / max_inv:.3f}")
