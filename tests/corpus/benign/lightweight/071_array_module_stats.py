# Question: Store hourly temperature readings compactly and compute daily min/max/mean.
from array import array

readings = array("d", [
    11.2, 10.8, 10.5, 10.1, 9.9, 10.0, 11.4, 13.2, 15.0, 16.8, 18.1, 19.0,
    19.6, 20.1, 19.8, 19.0, 17.7, 16.2, 14.9, 13.8, 13.0, 12.4, 11.9, 11.5,
])
print(f"{len(readings)} readings, {readings.itemsize * len(readings)} bytes as doubles")
print(f"min {min(readings):.1f}  max {max(readings):.1f}  mean {sum(readings) / len(readings):.2f}")
warmest_hour = readings.index(max(readings))
print(f"Warmest at {warmest_hour:02d}:00")

ints = array("h", (round(t * 10) for t in readings))
print("As tenths of a degree (int16):", ints[:6].tolist(), "...")
print("Hours above 18C:", [h for h, t in enumerate(readings) if t > 18])
