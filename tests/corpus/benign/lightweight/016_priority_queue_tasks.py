# Question: In what order should the support team handle tickets by priority and arrival time?
import heapq

tickets = [
    (3, 1, "Password reset"),
    (1, 2, "Production database down"),
    (2, 3, "Invoice shows wrong total"),
    (3, 4, "Update profile picture"),
    (1, 5, "Payment gateway errors"),
    (2, 6, "Export to CSV fails"),
]

queue = []
for priority, arrival, title in tickets:
    heapq.heappush(queue, (priority, arrival, title))

labels = {1: "P1-critical", 2: "P2-high", 3: "P3-normal"}
position = 1
while queue:
    priority, arrival, title = heapq.heappop(queue)
    print(f"{position}. [{labels[priority]}] #{arrival} {title}")
    position += 1
