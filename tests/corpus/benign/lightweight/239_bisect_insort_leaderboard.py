# Question: Maintain a sorted leaderboard as scores arrive and report ranks and percentiles.
import bisect

scores = []
names = []
arrivals = [("ana", 820), ("bo", 640), ("cy", 910), ("dee", 640), ("eli", 755), ("fay", 990), ("gus", 700), ("hal", 880)]
for name, score in arrivals:
    idx = bisect.bisect_right(scores, score)
    scores.insert(idx, score)
    names.insert(idx, name)
    rank = len(scores) - bisect.bisect_right(scores, score) + 1
    print(f"{name:<4} scored {score}: rank {rank} of {len(scores)}")

print("Leaderboard:", list(zip(reversed(names), reversed(scores))))
for query in (700, 800, 950):
    below = bisect.bisect_left(scores, query)
    print(f"{query}: beats {below / len(scores):.0%} of players")
helper = [10, 20, 30]
bisect.insort(helper, 25)
print("insort result:", helper)
