# Question: Parse application log lines and summarize error codes by service.
import re
from collections import Counter

LOG = """\
[2024-05-01 12:00:01] INFO  billing   job=rollup msg="started"
[2024-05-01 12:00:04] ERROR billing   code=E102 msg="invoice total mismatch"
[2024-05-01 12:01:10] WARN  shipping  code=W020 msg="carrier slow"
[2024-05-01 12:02:33] ERROR shipping  code=E301 msg="label API timeout"
[2024-05-01 12:02:59] ERROR billing   code=E102 msg="invoice total mismatch"
[2024-05-01 12:03:15] ERROR auth      code=E900 msg="token expired"
"""

line_re = re.compile(
    r"\[(?P<ts>[\d-]+ [\d:]+)\]\s+(?P<level>[A-Z]+)\s+(?P<service>\w+)\s+(?:code=(?P<code>\w+)\s+)?.*msg=\"(?P<msg>[^\"]*)\""
)
errors = Counter()
last_seen = {}
for line in LOG.splitlines():
    m = line_re.match(line)
    if m and m["level"] == "ERROR":
        errors[(m["service"], m["code"])] += 1
        last_seen[(m["service"], m["code"])] = (m["ts"], m["msg"])

for (service, code), n in errors.most_common():
    ts, msg = last_seen[(service, code)]
    print(f"{service:<9} {code}  x{n}  last at {ts}: {msg}")
