# Question: Maintain a running average of incoming sensor values with a coroutine-style generator.
def running_average():
    total = 0.0
    count = 0
    average = None
    while True:
        value = yield average
        if value is None:
            break
        total += value
        count += 1
        average = total / count
    return count


readings = [21.4, 21.9, 22.3, 35.0, 22.1, 21.8]
avg = running_average()
next(avg)  # prime the generator
for r in readings:
    current = avg.send(r)
    flag = "  <- spike" if r > current * 1.2 else ""
    print(f"reading {r:>5.1f} running avg {current:>6.3f}{flag}")
try:
    avg.send(None)
except StopIteration as stop:
    print("Generator finished after", stop.value, "values")
