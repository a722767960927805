# Question: Which city had the warmest and most variable week, given daily highs?
import statistics

highs = {
    "Lisbon": [24, 26, 27, 25, 23, 28, 29],
    "Oslo": [15, 17, 14, 12, 16, 18, 19],
    "Cairo": [35, 36, 38, 37, 36, 39, 40],
    "Reykjavik": [11, 10, 12, 9, 13, 11, 12],
    "Madrid": [30, 33, 29, 35, 31, 28, 34],
}

print(f"{'City':<10}{'Mean':>6}{'Min':>5}{'Max':>5}{'Stdev':>7}  Trend")
for city, temps in highs.items():
    trend = "up" if temps[-1] > temps[0] else "down" if temps[-1] < temps[0] else "flat"
    print(f"{city:<10}{statistics.mean(temps):>6.1f}{min(temps):>5}{max(temps):>5}{statistics.stdev(temps):>7.2f}  {trend}")
warmest = max(highs, key=lambda c: statistics.mean(highs[c]))
most_variable = max(highs, key=lambda c: statistics.stdev(highs[c]))
print(f"Warmest: {warmest}; most variable: {most_variable}")
f_highs = {c: [round(t * 9 / 5 + 32) for t in temps] for c, temps in highs.items()}
print("Oslo in F:", f_highs["Oslo"])
