# Question: Which steps do two customer journeys share, in order (longest common subsequence)?
def lcs(a, b):
    dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            dp[i][j] = dp[i + 1][j + 1] + 1 if a[i] == b[j] else max(dp[i + 1][j], dp[i][j + 1])
    i = j = 0
    out = []
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append(a[i])
            i += 1
            j += 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


journey_a = ["home", "search", "product", "reviews", "cart", "shipping", "payment", "confirm"]
journey_b = ["home", "category", "product", "cart", "coupon", "payment", "confirm"]
common = lcs(journey_a, journey_b)
print("Common path:", " > ".join(common))
print(f"Overlap: {len(common)} steps ({len(common) / max(len(journey_a), len(journey_b)):.0%} of the longer journey)")
