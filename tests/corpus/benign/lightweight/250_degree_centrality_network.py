# Question: Who are the most connected people in the referral network, and how many separate groups exist?
from collections import defaultdict, deque

referrals = [("ana", "ben"), ("ana", "cal"), ("ben", "dia"), ("cal", "dia"), ("dia", "eve"), ("eve", "fox"),
             ("gus", "hal"), ("hal", "ivy"), ("jon", "jon"), ("kim", "ana"), ("ben", "cal")]

graph = defaultdict(set)
for a, b in referrals:
    graph[a].add(b)
    graph[b].add(a)
for node in graph:
    graph[node].discard(node)  # ignore self-referrals

n = len(graph)
centrality = {node: len(neigh) / (n - 1) for node, neigh in graph.items()}
for node, c in sorted(centrality.items(), key=lambda kv: (-kv[1], kv[0]))[:5]:
    print(f"{node}: {len(graph[node])} connections, degree centrality {c:.3f}")

seen, groups = set(), []
for start in sorted(graph):
    if start in seen:
        continue
    group, queue = [], deque([start])
    seen.add(start)
    while queue:
        node = queue.popleft()
        group.append(node)
        for nxt in sorted(graph[node] - seen):
            seen.add(nxt)
            queue.append(nxt)
    groups.append(sorted(group))
print(f"{len(groups)} separate group(s):", groups)
