# Question: Plan a semester-by-semester schedule for a data science curriculum given prerequisites.
from graphlib import TopologicalSorter, CycleError

prereqs = {
    "Statistics I": [],
    "Programming I": [],
    "Linear Algebra": [],
    "Statistics II": ["Statistics I"],
    "Programming II": ["Programming I"],
    "Databases": ["Programming I"],
    "Machine Learning": ["Statistics II", "Programming II", "Linear Algebra"],
    "Data Engineering": ["Databases", "Programming II"],
    "Capstone": ["Machine Learning", "Data Engineering"],
}

ts = TopologicalSorter({course: set(req) for course, req in prereqs.items()})
ts.prepare()
semester = 1
while ts.is_active():
    batch = sorted(ts.get_ready())
    print(f"Semester {semester}: {'; '.join(batch)}")
    ts.done(*batch)
    semester += 1

try:
    bad = TopologicalSorter({"A": {"B"}, "B": {"A"}})
    list(bad.static_order())
except CycleError as err:
    print("Cycle detected:", sorted(set(err.args[1])))
