# Question: From these web server log lines, what are the slowest endpoints and error counts?
import re
from collections import defaultdict

log_lines = """\
2024-04-02T10:00:01 GET /api/orders 200 123ms
2024-04-02T10:00:02 GET /api/orders/17 200 98ms
2024-04-02T10:00:03 POST /api/orders 201 342ms
2024-04-02T10:00:05 GET /api/customers 500 1203ms
2024-04-02T10:00:06 malformed line here
2024-04-02T10:00:07 GET /api/customers 200 230ms
2024-04-02T10:00:09 DELETE /api/orders/17 404 15ms
2024-04-02T10:00:10 GET /api/orders 200 140ms
""".splitlines()

pattern = re.compile(r"^(\S+) (GET|POST|PUT|DELETE) (\S+) (\d{3}) (\d+)ms$")
durations = defaultdict(list)
errors = 0
skipped = 0
for line in log_lines:
    if (m := pattern.match(line)) is None:
        skipped += 1
        continue
    _, method, path, status, ms = m.groups()
    endpoint = re.sub(r"/\d+", "/{id}", path)
    durations[f"{method} {endpoint}"].append(int(ms))
    if (code := int(status)) >= 400:
        errors += 1
        print(f"error {code} on {method} {path}")

print(f"Skipped {skipped} malformed line(s); {errors} error response(s)")
for endpoint, values in sorted(durations.items(), key=lambda kv: -max(kv[1])):
    print(f"{endpoint:<28} calls={len(values)} max={max(values)}ms avg={sum(values) / len(values):.0f}ms")
