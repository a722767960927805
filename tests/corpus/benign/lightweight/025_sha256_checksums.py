# Question: Compute SHA-256 fingerprints of records to detect which ones changed between snapshots.
import hashlib
import json

yesterday = [
    {"id": 1, "name": "Widget", "price": 9.99},
    {"id": 2, "name": "Gadget", "price": 24.50},
    {"id": 3, "name": "Doohickey", "price": 4.75},
]
today = [
    {"id": 1, "name": "Widget", "price": 9.99},
    {"id": 2, "name": "Gadget", "price": 22.00},
    {"id": 3, "name": "Doohickey", "price": 4.75},
    {"id": 4, "name": "Thingamajig", "price": 13.10},
]


def fingerprint(record):
    payload = json.dumps(record, sort_keys=True).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


before = {r["id"]: fingerprint(r) for r in yesterday}
after = {r["id"]: fingerprint(r) for r in today}
for rid in sorted(after):
    if rid not in before:
        status = "new"
    elif before[rid] != after[rid]:
        status = "changed"
    else:
        status = "unchanged"
    print(f"record {rid}: {status:<9} {after[rid][:16]}")
