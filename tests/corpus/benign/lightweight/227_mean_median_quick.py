# Question: What are the mean and median basket sizes?
from statistics import mean, median
baskets = [3, 7, 2, 9, 4, 4, 12, 1, 5, 6]
print(f"mean={mean(baskets):.1f} median={median(baskets)} max={max(baskets)}")
