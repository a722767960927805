# Question: Which stores missed their daily target on which days, using a store x day matrix?
import numpy as np

rng = np.random.default_rng(9)
stores = np.array(["S1", "S2", "S3", "S4"])
days = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
sales = rng.integers(600, 1500, size=(4, 7))
targets = np.array([900, 1000, 800, 1100])[:, None]

missed = sales < targets
print("Sales:\n", sales)
print("Missed target (store x day):\n", missed.astype(int))
for s, row in zip(stores, missed):
    print(f"{s}: missed on {', '.join(days[row]) or 'none'}")
print("Attainment %:\n", np.round(sales / targets * 100, 1))
print("Worst day overall:", days[(sales - targets).sum(axis=0).argmin()])
