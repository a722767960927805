# Question: Resolve report parameters from command defaults, saved profile and per-run overrides.
from collections import ChainMap

defaults = {"currency": "USD", "period": "monthly", "include_tax": False, "top_n": 10}
profile = {"currency": "EUR", "top_n": 5}
overrides = {"period": "weekly"}

settings = ChainMap(overrides, profile, defaults)
print("Resolved:", dict(sorted(settings.items())))

run2 = settings.new_child({"include_tax": True, "top_n": 20})
print("Run 2:", {k: run2[k] for k in ("currency", "period", "include_tax", "top_n")})
print("Run 2 parents == settings:", run2.parents == settings)
del overrides["period"]
print("After removing override, period =", settings["period"])
print("Layers:", len(run2.maps))
