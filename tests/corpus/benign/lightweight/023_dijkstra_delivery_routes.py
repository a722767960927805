# Question: What is the shortest driving route from the warehouse to each store?
import heapq

roads = {
    "Warehouse": {"A": 7, "B": 9, "F": 14},
    "A": {"Warehouse": 7, "B": 10, "C": 15},
    "B": {"Warehouse": 9, "A": 10, "C": 11, "F": 2},
    "C": {"A": 15, "B": 11, "D": 6},
    "D": {"C": 6, "E": 9},
    "E": {"D": 9, "F": 9},
    "F": {"Warehouse": 14, "B": 2, "E": 9},
}


def dijkstra(graph, source):
    dist = {source: 0}
    prev = {}
    heap = [(0, source)]
    while heap:
        d, node = heapq.heappop(heap)
        if d > dist.get(node, float("inf")):
            continue
        for nxt, w in graph[node].items():
            nd = d + w
            if nd < dist.get(nxt, float("inf")):
                dist[nxt] = nd
                prev[nxt] = node
                heapq.heappush(heap, (nd, nxt))
    return dist, prev


dist, prev = dijkstra(roads, "Warehouse")
for store in sorted(dist):
    if store == "Warehouse":
        continue
    path = [store]
    while path[-1] != "Warehouse":
        path.append(prev[path[-1]])
    print(f"{store}: {dist[store]:>3} km via {' -> '.join(reversed(path))}")
