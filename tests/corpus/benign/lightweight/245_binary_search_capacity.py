# Question: What is the smallest daily truck capacity that ships all orders, in order, within 5 days?
orders = [120, 80, 300, 45, 210, 95, 160, 70, 240, 130, 55, 190]
days_allowed = 5


def days_needed(capacity):
    days, load = 1, 0
    for w in orders:
        if load + w > capacity:
            days += 1
            load = 0
        load += w
    return days


low, high = max(orders), sum(orders)
while low < high:
    mid = (low + high) // 2
    if days_needed(mid) <= days_allowed:
        high = mid
    else:
        low = mid + 1

print(f"Minimum capacity: {low} kg per day")
load, day, plan = 0, 1, {1: []}
for w in orders:
    if load + w > low:
        day += 1
        load = 0
        plan[day] = []
    load += w
    plan[day].append(w)
for d, loads in plan.items():
    print(f"day {d}: {loads} total {sum(loads)}")
