# Question: Render a small HTML table of customer comments, escaping any markup safely.
import html

comments = [
    ("Dana", 5, "Loved it! <3"),
    ("Eve", 2, "<script>alert('x')</script> didn't work"),
    ("Fox & Sons", 4, 'Good value, "fast" shipping'),
]

rows = []
for name, stars, text in comments:
    rows.append(f"  <tr><td>{html.escape(name)}</td><td>{'&#9733;' * stars}</td><td>{html.escape(text)}</td></tr>")
page = "<table>\n  <tr><th>Customer</th><th>Rating</th><th>Comment</th></tr>\n" + "\n".join(rows) + "\n</table>"
print(page)
print("Unescaped back:", html.unescape("Fox &amp; Sons &lt;b&gt;"))
