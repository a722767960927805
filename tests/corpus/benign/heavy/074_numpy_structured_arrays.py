# Question: Store employee records in a numpy structured array and query them.
import numpy as np

dtype = np.dtype([("name", "U10"), ("dept", "U8"), ("salary", "f8"), ("years", "i4")])
staff = np.array([
    ("Alice", "eng", 125_000, 6), ("Bob", "sales", 78_000, 3), ("Chen", "eng", 142_000, 9),
    ("Dina", "ops", 66_000, 2), ("Emil", "sales", 91_000, 7), ("Fatou", "eng", 109_000, 4),
], dtype=dtype)

print("Engineers:", staff[staff["dept"] == "eng"]["name"].tolist())
by_salary = np.sort(staff, order="salary")[::-1]
print("Top earner:", by_salary[0]["name"], by_salary[0]["salary"])
for dept in np.unique(staff["dept"]):
    sel = staff[staff["dept"] == dept]
    print(f"{dept:<6} headcount {len(sel)} avg salary {sel['salary'].mean():>10,.0f} avg tenure {sel['years'].mean():.1f}")
raise_pct = np.where(staff["years"] >= 5, 0.05, 0.03)
print("Payroll after raises:", f"{(staff['salary'] * (1 + raise_pct)).sum():,.0f}")
