# Question: Merge time-sorted event feeds from three regional systems into one chronological stream.
import heapq

emea = [("2024-06-01T08:00", "EMEA", "order 1"), ("2024-06-01T09:30", "EMEA", "order 2"), ("2024-06-01T14:10", "EMEA", "refund 1")]
amer = [("2024-06-01T08:45", "AMER", "order 3"), ("2024-06-01T12:00", "AMER", "order 4")]
apac = [("2024-06-01T07:15", "APAC", "order 5"), ("2024-06-01T09:30", "APAC", "order 6"), ("2024-06-01T16:20", "APAC", "order 7")]

for ts, region, event in heapq.merge(emea, amer, apac):
    print(f"{ts}  {region:<4}  {event}")

latest_first = list(heapq.merge(emea, amer, apac, key=lambda e: e[0], reverse=False))[::-1][:3]
print("Three most recent:", [e[2] for e in latest_first])
