# Question: How do default, team and user settings combine into an effective configuration?
import json
from collections import ChainMap

defaults = json.loads('{"theme": "light", "page_size": 25, "currency": "USD", "decimals": 2}')
team = json.loads('{"currency": "EUR", "page_size": 50}')
user = json.loads('{"theme": "dark"}')

effective = ChainMap(user, team, defaults)
print("Effective configuration:")
for key in sorted(effective):
    source = next(name for name, layer in (("user", user), ("team", team), ("defaults", defaults)) if key in layer)
    print(f"  {key:<10} = {effective[key]!r:<8} (from {source})")

print(json.dumps(dict(effective), indent=2, sort_keys=True))
