# Question: Inspect the order UUIDs from an export: versions, variants and canonical forms.
import uuid

raw_ids = [
    "123e4567-e89b-12d3-a456-426614174000",
    "{C9BF9E57-1685-4C89-BAFB-FF5AF830BE8A}",
    "urn:uuid:6fa459ea-ee8a-3ca4-894e-db77e160355e",
    "a8098c1af86e11dabd1a00112444be1e",
]

for raw in raw_ids:
    u = uuid.UUID(raw)
    print(f"{str(u)}  version={u.version}  variant={u.variant}  int%1000={u.int % 1000}")
ids = [uuid.UUID(r) for r in raw_ids]
print("Sorted hex prefixes:", [u.hex[:8] for u in sorted(ids)])
print("uuid3 of a name:", uuid.uuid3(uuid.NAMESPACE_DNS, "reports.example.com"))
