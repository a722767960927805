# Question: Build and verify signed share-links for dashboards (HMAC + URL-safe base64).
import base64
import hashlib
import hmac
import json

SECRET = b"demo-signing-key"  # example key for illustration


def sign(payload: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).rstrip(b"=")
    sig = base64.urlsafe_b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).rstrip(b"=")
    return (body + b"." + sig).decode()


def verify(token: str):
    body, _, sig = token.encode().partition(b".")
    expected = base64.urlsafe_b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).rstrip(b"=")
    if not hmac.compare_digest(sig, expected):
        return None
    padded = body + b"=" * (-len(body) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


token = sign({"dashboard": "sales-q2", "expires": "2024-09-30", "role": "viewer"})
print("Token:", token)
print("Verified payload:", verify(token))
tampered = token.replace("viewer", "admin")
print("Tampered verifies:", verify(tampered[:-2] + "AA") is not None)
