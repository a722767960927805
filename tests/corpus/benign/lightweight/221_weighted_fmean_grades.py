# Question: What is each student's weighted course grade (homework 20%, midterm 30%, final 50%)?
from statistics import fmean

weights = [0.2, 0.3, 0.5]
students = {"Aiko": [92, 85, 88], "Bruno": [70, 78, 91], "Chen": [100, 62, 74], "Dalia": [85, 90, 95]}

for name, marks in students.items():
    weighted = fmean(marks, weights=weights)
    print(f"{name:<6} marks {marks} -> weighted {weighted:6.2f} (unweighted {fmean(marks):6.2f})")
print("Class weighted average:", round(fmean([fmean(m, weights=weights) for m in students.values()]), 2))
