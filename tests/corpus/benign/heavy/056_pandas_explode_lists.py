# Question: Which tags are most common across support tickets, and which agents handle each tag?
import pandas as pd

tickets = pd.DataFrame({
    "ticket": [1, 2, 3, 4, 5],
    "agent": ["Ivy", "Jon", "Ivy", "Kai", "Jon"],
    "tags": [["billing", "refund"], ["login"], ["billing"], ["bug", "login", "mobile"], ["refund", "bug"]],
})
exploded = tickets.explode("tags")
print(exploded)
print()
print(exploded["tags"].value_counts())
print()
print(exploded.groupby("tags")["agent"].agg(lambda s: ", ".join(sorted(set(s)))))
