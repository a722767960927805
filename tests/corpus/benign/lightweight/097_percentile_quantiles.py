# Question: What are the response-time percentiles for our API (p50, p90, p95, p99)?
import random
import statistics

random.seed(8)
latencies = [random.lognormvariate(4.6, 0.45) for _ in range(5000)]

cuts = statistics.quantiles(latencies, n=100, method="inclusive")
for p in (50, 90, 95, 99):
    print(f"p{p:<3} {cuts[p - 1]:8.1f} ms")
print(f"mean {statistics.fmean(latencies):.1f} ms, max {max(latencies):.1f} ms")
slo = 250
share = sum(l <= slo for l in latencies) / len(latencies)
print(f"Requests within {slo} ms SLO: {share:.2%}")
