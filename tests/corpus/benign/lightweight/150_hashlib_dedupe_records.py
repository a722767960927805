# Question: Find duplicate customer submissions ignoring whitespace and case differences.
import hashlib

submissions = [
    ("s1", "Maria Lopez", "maria@example.com", "12 High St"),
    ("s2", "maria lopez ", "MARIA@example.com", "12 High St"),
    ("s3", "Sam Okoro", "sam@example.com", "4 Mill Ln"),
    ("s4", "Sam  Okoro", "sam@example.com", "4 Mill Lane"),
    ("s5", "Li Na", "lina@example.com", "9 Bay Rd"),
]


def key(*fields):
    canonical = "|".join(" ".join(f.lower().split()) for f in fields)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


groups = {}
for sid, *fields in submissions:
    groups.setdefault(key(*fields), []).append(sid)

for digest, ids in groups.items():
    status = "DUPLICATES" if len(ids) > 1 else "unique"
    print(f"{digest}  {status:<10} {ids}")
print("md5 of empty string:", hashlib.md5(b"").hexdigest())
print("blake2b-8 of 'report':", hashlib.blake2b(b"report", digest_size=8).hexdigest())
