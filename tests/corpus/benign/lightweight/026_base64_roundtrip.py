# Question: Encode a small report payload as base64 for embedding in a JSON message, and verify it decodes.
import base64
import json

report = {"region": "EMEA", "month": "2024-05", "revenue": 1289344.12, "orders": 5421}
raw = json.dumps(report, separators=(",", ":")).encode("utf-8")
encoded = base64.b64encode(raw).decode("ascii")
message = {"type": "monthly_report", "payload": encoded}

print(json.dumps(message, indent=2))
decoded = json.loads(base64.b64decode(message["payload"]))
print("Round trip OK:", decoded == report)
print(f"Raw bytes: {len(raw)}, base64 chars: {len(encoded)}")
