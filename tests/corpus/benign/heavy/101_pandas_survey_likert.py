# Question: Summarize Likert-scale survey answers per question: mean score, top-2-box and distribution.
import pandas as pd

scale = {"Strongly disagree": 1, "Disagree": 2, "Neutral": 3, "Agree": 4, "Strongly agree": 5}
answers = pd.DataFrame({
    "q1_easy_to_use": ["Agree", "Strongly agree", "Neutral", "Agree", "Disagree", "Agree", "Strongly agree", "Agree"],
    "q2_good_value": ["Neutral", "Disagree", "Agree", "Neutral", "Strongly disagree", "Agree", "Neutral", "Disagree"],
    "q3_recommend": ["Strongly agree", "Agree", "Agree", "Strongly agree", "Neutral", "Agree", "Strongly agree", "Agree"],
})
scores = answers.apply(lambda col: col.map(scale))
summary = pd.DataFrame({
    "mean": scores.mean().round(2),
    "top2_box": (scores >= 4).mean().round(3),
    "bottom2_box": (scores <= 2).mean().round(3),
})
print(summary.sort_values("mean", ascending=False))
print()
dist = answers.apply(lambda c: c.value_counts()).reindex(list(scale)).fillna(0).astype(int)
print(dist)
