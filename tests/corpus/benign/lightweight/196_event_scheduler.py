# Question: Schedule recurring report jobs and list the next runs in chronological order.
import heapq
from datetime import datetime, timedelta

jobs = [
    ("daily sales", datetime(2024, 5, 1, 6, 0), timedelta(days=1)),
    ("hourly inventory", datetime(2024, 5, 1, 0, 30), timedelta(hours=6)),
    ("weekly KPIs", datetime(2024, 5, 6, 8, 0), timedelta(weeks=1)),
    ("quarter-hour health check", datetime(2024, 5, 1, 5, 45), timedelta(minutes=15)),
]
queue = [(start, name, interval) for name, start, interval in jobs]
heapq.heapify(queue)

horizon = datetime(2024, 5, 2, 7, 0)
runs = 0
while queue and runs < 12:
    when, name, interval = heapq.heappop(queue)
    if when > horizon:
        break
    print(f"{when:%a %d %b %H:%M}  {name}")
    runs += 1
    heapq.heappush(queue, (when + interval, name, interval))
print(f"Next pending: {queue[0][1]} at {queue[0][0].isoformat(sep=' ')}")
