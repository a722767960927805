# Question: Generate temporary API keys and one-time codes for new users (show only their shapes).
import secrets
import string

users = ["analyst_1", "analyst_2", "manager"]
alphabet = string.ascii_letters + string.digits

for user in users:
    api_key = secrets.token_urlsafe(32)
    hex_token = secrets.token_hex(16)
    otp = "".join(secrets.choice(string.digits) for _ in range(6))
    password = "".join(secrets.choice(alphabet) for _ in range(14))
    print(f"{user:<10} api_key={len(api_key)} chars, hex={len(hex_token)} chars, "
          f"otp digits={sum(c.isdigit() for c in otp)}, password length={len(password)}")

print("compare_digest works:", secrets.compare_digest("abc", "abc"))
