# Question: Summarize household sizes from a survey: mode, medians and variance.
import statistics

sizes = [1, 2, 2, 3, 2, 4, 1, 2, 5, 3, 2, 1, 4, 2, 3, 6, 2, 1, 3, 2]
print(f"n = {len(sizes)}")
print("mode:", statistics.mode(sizes), "| multimode:", statistics.multimode([1, 1, 2, 2, 3]))
print("median:", statistics.median(sizes), "low:", statistics.median_low(sizes), "high:", statistics.median_high(sizes))
print("median_grouped:", round(statistics.median_grouped(sizes), 3))
print(f"population variance {statistics.pvariance(sizes):.3f}, sample variance {statistics.variance(sizes):.3f}")
print(f"harmonic mean {statistics.harmonic_mean(sizes):.3f}, geometric mean {statistics.geometric_mean(sizes):.3f}")
try:
    statistics.mean([])
except statistics.StatisticsError as exc:
    print("Empty data:", exc)
