# Question: Parse a JSON-lines event export, skip bad lines and count events per type and user.
import json
from collections import Counter, defaultdict

jsonl = """{"user": "u1", "event": "login", "ts": "2024-06-01T09:00:00"}
{"user": "u2", "event": "login", "ts": "2024-06-01T09:02:10"}
{"user": "u1", "event": "export", "ts": "2024-06-01T09:05:44", "rows": 1200}
{"user": "u3", "event": "login"
{"user": "u2", "event": "export", "ts": "2024-06-01T09:30:00", "rows": 50}
{"user": "u1", "event": "logout", "ts": "2024-06-01T10:00:00"}

{"user": "u2", "event": "export", "ts": "2024-06-01T11:15:00", "rows": 7000}"""

events = Counter()
rows_exported = defaultdict(int)
errors = []
for lineno, line in enumerate(jsonl.splitlines(), 1):
    if not line.strip():
        continue
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        errors.append((lineno, exc.msg))
        continue
    events[rec["event"]] += 1
    rows_exported[rec["user"]] += rec.get("rows", 0)

print("Events:", dict(events))
print("Rows exported per user:", dict(rows_exported))
print("Bad lines:", errors)
