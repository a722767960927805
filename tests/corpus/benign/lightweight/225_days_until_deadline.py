# Question: How many days are left until the filing deadline of 15 April 2025, counted from 1 March 2025?
from datetime import date

remaining = date(2025, 4, 15) - date(2025, 3, 1)
print(f"{remaining.days} days remaining ({remaining.days // 7} weeks and {remaining.days % 7} days)")
