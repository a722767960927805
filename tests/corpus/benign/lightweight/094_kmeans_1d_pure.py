# Question: Segment customers into three spending groups with a simple 1-D k-means.
spend = [12, 15, 18, 22, 25, 95, 102, 110, 98, 120, 480, 510, 530, 455, 20, 105]


def kmeans_1d(values, centers, iterations=20):
    for _ in range(iterations):
        clusters = {i: [] for i in range(len(centers))}
        for v in values:
            nearest = min(range(len(centers)), key=lambda i: abs(v - centers[i]))
            clusters[nearest].append(v)
        new_centers = [sum(c) / len(c) if c else centers[i] for i, c in clusters.items()]
        if new_centers == centers:
            break
        centers = new_centers
    return centers, clusters


centers, clusters = kmeans_1d(spend, [min(spend), sorted(spend)[len(spend) // 2], max(spend)])
labels = ["low", "mid", "high"]
for i, label in enumerate(labels):
    members = sorted(clusters[i])
    print(f"{label:<4} center {centers[i]:7.2f}  n={len(members):>2}  {members}")
