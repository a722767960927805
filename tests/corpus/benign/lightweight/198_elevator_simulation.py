# Question: Compare total travel distance of two elevator dispatch strategies for the same requests.
requests = [(0, 7), (3, 1), (5, 9), (8, 2), (2, 6), (9, 0), (4, 4), (6, 3)]  # (from floor, to floor)


def fifo(start, reqs):
    pos, dist = start, 0
    for src, dst in reqs:
        dist += abs(pos - src) + abs(src - dst)
        pos = dst
    return dist


def nearest_first(start, reqs):
    pending = list(reqs)
    pos, dist, order = start, 0, []
    while pending:
        nxt = min(pending, key=lambda r: (abs(pos - r[0]), r))
        pending.remove(nxt)
        dist += abs(pos - nxt[0]) + abs(nxt[0] - nxt[1])
        pos = nxt[1]
        order.append(nxt)
    return dist, order


print("FIFO distance:", fifo(0, requests), "floors")
dist, order = nearest_first(0, requests)
print("Nearest-first distance:", dist, "floors")
print("Nearest-first order:", " ".join(f"{a}->{b}" for a, b in order))
