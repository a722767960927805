# Question: How compact is a fixed binary layout for sensor readings compared with JSON text?
import json
import struct

readings = [
    (1, 1717200000, 21.5, 40.2),
    (2, 1717200060, 21.7, 40.0),
    (3, 1717200120, 21.6, 39.8),
]
layout = struct.Struct("<HIff")  # sensor id, unix seconds, temperature, humidity

packed = b"".join(layout.pack(*r) for r in readings)
as_json = json.dumps([list(r) for r in readings])

print(f"Record size: {layout.size} bytes; {len(readings)} records = {len(packed)} bytes")
print(f"JSON size: {len(as_json)} bytes")
print(f"First record hex: {packed[:layout.size].hex()}")
for sensor, ts, temp, hum in layout.iter_unpack(packed):
    print(f"sensor {sensor} t={ts} temp={temp:.1f}C humidity={hum:.1f}%")
