# Question: Generate stable customer identifiers from email addresses so they match across systems.
import uuid

namespace = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")  # NAMESPACE_URL
emails = ["alice@example.com", "Bob@Example.com", "carol@example.org", "alice@example.com"]

ids = {}
for email in emails:
    key = email.strip().lower()
    customer_id = uuid.uuid5(namespace, f"mailto:{key}")
    ids.setdefault(key, customer_id)
    print(f"{email:<20} -> {customer_id}")

print(f"Distinct customers: {len(ids)}")
print("Same namespace constant:", namespace == uuid.NAMESPACE_URL)
print("Version of generated ids:", {u.version for u in ids.values()})
