# Question: Which store metrics move together? Show a correlation matrix.
import statistics

metrics = {
    "footfall": [820, 910, 760, 1010, 980, 700, 1100, 870],
    "revenue": [15.2, 17.1, 14.0, 19.5, 18.2, 13.1, 21.0, 16.4],
    "staff": [6, 7, 6, 8, 7, 5, 8, 7],
    "returns": [12, 9, 14, 8, 11, 15, 7, 10],
}
names = list(metrics)
print(" " * 9 + "".join(f"{n:>10}" for n in names))
for a in names:
    row = "".join(f"{statistics.correlation(metrics[a], metrics[b]):>10.3f}" for b in names)
    print(f"{a:<9}{row}")

pairs = [(a, b, statistics.correlation(metrics[a], metrics[b])) for i, a in enumerate(names) for b in names[i + 1:]]
strongest = max(pairs, key=lambda p: abs(p[2]))
print(f"Strongest relationship: {strongest[0]} vs {strongest[1]} ({strongest[2]:+.3f})")
