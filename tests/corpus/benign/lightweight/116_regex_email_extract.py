# Question: Extract and validate contact emails from free-text CRM notes, grouped by domain.
import re
from collections import defaultdict

notes = """
Spoke with jane.doe@acme.com about renewal; cc finance@acme.com.
New lead: raj_patel99@startup.io (prefers email). Old address raj@startup.io bounced.
Invalid ones: someone@, @nouser.com, bad@domain, ok.person+tag@mail.example.org
Follow up with Jane.Doe@ACME.com next week.
"""

pattern = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
emails = sorted({m.lower() for m in pattern.findall(notes)})
by_domain = defaultdict(list)
for email in emails:
    local, domain = email.split("@")
    by_domain[domain].append(local)

print(f"Found {len(emails)} unique valid emails")
for domain in sorted(by_domain):
    print(f"  {domain:<18} {', '.join(by_domain[domain])}")
