# Question: Show what changed between two versions of a SQL query used in a report.
import difflib

old_query = """SELECT region, SUM(amount) AS revenue
FROM sales
WHERE order_date >= '2024-01-01'
GROUP BY region
ORDER BY revenue DESC""".splitlines()

new_query = """SELECT region, product_line, SUM(amount) AS revenue
FROM sales
WHERE order_date >= '2024-01-01'
  AND status = 'completed'
GROUP BY region, product_line
ORDER BY revenue DESC
LIMIT 20""".splitlines()

for line in difflib.unified_diff(old_query, new_query, fromfile="report_v1.sql", tofile="report_v2.sql", lineterm=""):
    print(line)
ratio = difflib.SequenceMatcher(None, "\n".join(old_query), "\n".join(new_query)).ratio()
print(f"Similarity: {ratio:.2%}")
