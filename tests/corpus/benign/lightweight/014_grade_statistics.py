# Question: Summarize the exam scores for the class: mean, median, spread and letter grades.
import statistics

scores = {
    "Ana": 88, "Ben": 72, "Chloe": 95, "Dmitri": 64, "Elif": 81,
    "Farah": 90, "Gus": 77, "Hana": 85, "Igor": 58, "Jin": 92,
}

values = list(scores.values())
print(f"Students: {len(values)}")
print(f"Mean:     {statistics.mean(values):.2f}")
print(f"Median:   {statistics.median(values)}")
print(f"Std dev:  {statistics.stdev(values):.2f}")
print(f"Range:    {min(values)}-{max(values)}")


def letter(score):
    if score >= 90:
        return "A"
    if score >= 80:
        return "B"
    if score >= 70:
        return "C"
    if score >= 60:
        return "D"
    return "F"


distribution = {}
for name, score in sorted(scores.items()):
    distribution.setdefault(letter(score), []).append(name)
for grade in "ABCDF":
    names = distribution.get(grade, [])
    print(f"{grade}: {len(names)} {', '.join(names)}")
