# Question: Tokenize a small filter language used in the dashboard search bar.
import re

spec = [
    ("DATE", r"\d{4}-\d{2}-\d{2}"),
    ("NUMBER", r"\d+(?:\.\d+)?"),
    ("STRING", r'"[^"]*"'),
    ("OP", r">=|<=|!=|=|<|>"),
    ("AND", r"\bAND\b"),
    ("OR", r"\bOR\b"),
    ("FIELD", r"[a-z_]+"),
    ("LPAREN", r"\("),
    ("RPAREN", r"\)"),
    ("SKIP", r"\s+"),
    ("ERROR", r"."),
]
master = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in spec))

query = 'region = "West" AND (amount >= 250.5 OR order_date < 2024-03-01) AND status != "void" #'
tokens = []
for m in master.finditer(query):
    kind = m.lastgroup
    if kind == "SKIP":
        continue
    tokens.append((kind, m.group()))
for kind, text in tokens:
    print(f"{kind:<7} {text}")
print("Fields referenced:", sorted({t for k, t in tokens if k == "FIELD"}))
print("Errors:", [t for k, t in tokens if k == "ERROR"])
