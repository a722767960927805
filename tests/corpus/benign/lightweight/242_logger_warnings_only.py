# Question: Convert temperature readings to Celsius, warning about implausible values without stopping.
import logging

log = logging.getLogger("sensors")

readings_f = {"freezer": -4.0, "fridge": 38.5, "office": 71.6, "server_room": 64.4, "broken_probe": -459.9, "oven": 662.0}

converted = {}
for name, f in readings_f.items():
    c = (f - 32) * 5 / 9
    if c < -60 or c > 300:
        log.warning("dropping %s: %.1fF is outside the sensor range", name, f)
        continue
    converted[name] = round(c, 1)

for name, c in sorted(converted.items(), key=lambda kv: kv[1]):
    print(f"{name:<12} {c:>6.1f} C")
print(f"{len(converted)} of {len(readings_f)} readings kept")
