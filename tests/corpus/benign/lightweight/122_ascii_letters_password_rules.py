# Question: Which proposed passwords meet the company password policy?
import string

policy = {"min_length": 12, "upper": 1, "lower": 1, "digits": 2, "symbols": 1}
candidates = ["Summer2024!", "correcthorsebatterystaple", "Tr0ub4dor&3xyz", "P@ssw0rd12345", "ALLCAPS123456!", "Mix3d-Case-99"]


def check(pw):
    counts = {
        "upper": sum(c in string.ascii_uppercase for c in pw),
        "lower": sum(c in string.ascii_lowercase for c in pw),
        "digits": sum(c in string.digits for c in pw),
        "symbols": sum(c in string.punctuation for c in pw),
    }
    failures = [f"length<{policy['min_length']}"] if len(pw) < policy["min_length"] else []
    failures += [f"{k}<{policy[k]}" for k, v in counts.items() if v < policy[k]]
    return failures


for pw in candidates:
    fails = check(pw)
    masked = pw[:2] + "*" * (len(pw) - 2)
    print(f"{masked:<26} {'PASS' if not fails else 'FAIL: ' + ', '.join(fails)}")
print(f"Symbol set has {len(string.punctuation)} characters; letters {len(string.ascii_letters)}")
