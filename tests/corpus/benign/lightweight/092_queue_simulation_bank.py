# Question: With 2 vs 3 tellers, what is the average customer wait at a branch over a simulated day?
import random
from collections import deque


def simulate(tellers, seed=5, minutes=480):
    rng = random.Random(seed)
    queue = deque()
    busy_until = [0] * tellers
    waits = []
    for minute in range(minutes):
        if rng.random() < 0.55:  # about one arrival every ~2 minutes
            queue.append(minute)
        for t in range(tellers):
            if busy_until[t] <= minute and queue:
                arrived = queue.popleft()
                waits.append(minute - arrived)
                busy_until[t] = minute + rng.randint(2, 6)
    return waits, len(queue)


for tellers in (2, 3):
    waits, left = simulate(tellers)
    avg = sum(waits) / len(waits)
    print(f"{tellers} tellers: served {len(waits)}, avg wait {avg:.1f} min, max {max(waits)} min, still queued {left}")
