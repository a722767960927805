# Question: What was the peak concurrent-user count in every 5-minute window of the day's samples?
from collections import deque

samples = [120, 135, 128, 160, 152, 149, 170, 165, 140, 138, 175, 180, 172, 150, 145, 160, 190, 185, 170, 160]
k = 5

window = deque()
peaks = []
for i, value in enumerate(samples):
    while window and samples[window[-1]] <= value:
        window.pop()
    window.append(i)
    if window[0] <= i - k:
        window.popleft()
    if i >= k - 1:
        peaks.append(samples[window[0]])

for start, peak in enumerate(peaks):
    print(f"minutes {start:>2}-{start + k - 1:>2}: peak {peak}")
print("Brute-force check passes:", peaks == [max(samples[i:i + k]) for i in range(len(samples) - k + 1)])
