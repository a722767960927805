# Question: Compute conversion metrics, warning when a deprecated metric name is requested.
import warnings

visits, signups, purchases = 12_400, 930, 214


def metric(name):
    aliases = {"cr": "purchase_rate"}
    if name in aliases:
        warnings.warn(f"metric '{name}' is deprecated; use '{aliases[name]}'", DeprecationWarning, stacklevel=2)
        name = aliases[name]
    values = {
        "signup_rate": signups / visits,
        "purchase_rate": purchases / visits,
        "signup_to_purchase": purchases / signups,
    }
    return values[name]


warnings.simplefilter("always")
for name in ["signup_rate", "purchase_rate", "cr", "signup_to_purchase"]:
    print(f"{name:<20} {metric(name):.2%}")

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    metric("cr")
print(f"Captured {len(caught)} warning(s): {caught[0].category.__name__}")
