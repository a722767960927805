# Question: Which settings differ between the staging and production configuration JSON?
import json

staging = json.loads("""
{"db": {"host": "db-staging", "pool": 5, "ssl": true},
 "features": {"new_checkout": true, "beta_reports": true},
 "log_level": "DEBUG", "replicas": 1}
""")
production = json.loads("""
{"db": {"host": "db-prod", "pool": 20, "ssl": true},
 "features": {"new_checkout": true},
 "log_level": "WARNING", "replicas": 4, "cdn": "enabled"}
""")


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.update(flatten(v, key))
        else:
            out[key] = v
    return out


a, b = flatten(staging), flatten(production)
for key in sorted(a.keys() | b.keys()):
    if a.get(key) != b.get(key):
        print(f"{key:<22} staging={json.dumps(a.get(key)):<10} production={json.dumps(b.get(key))}")
print(json.dumps(production, sort_keys=True, separators=(",", ":")))
