# Question: Load pricing rules from JSON text and report configuration errors with their root causes.
import json


class ConfigError(Exception):
    pass


def load_rules(text):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError("pricing rules are not valid JSON") from exc
    try:
        return {rule["sku"]: float(rule["discount"]) for rule in data["rules"]}
    except KeyError as exc:
        raise ConfigError(f"missing field {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError("discount must be a number") from exc


samples = [
    '{"rules": [{"sku": "A1", "discount": 0.1}, {"sku": "B2", "discount": "0.25"}]}',
    '{"rules": [{"sku": "A1"}]}',
    '{"rules": [{"sku": "A1", "discount": "ten percent"}]}',
    '{"rules": [ {"sku": "A1", "discount": 0.1}, ]}',
]
for i, text in enumerate(samples, 1):
    try:
        print(f"config {i}: loaded {load_rules(text)}")
    except ConfigError as err:
        cause = err.__cause__
        print(f"config {i}: {err} (caused by {type(cause).__name__}: {cause})")
    finally:
        print(f"config {i}: done")
