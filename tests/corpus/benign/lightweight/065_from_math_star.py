# Question: Compute the geometry of a cylindrical storage tank: volume, surface area and fill level.
from math import *

radius = 1.8  # metres
height = 6.0
fill_depth = 4.25

volume = pi * radius ** 2 * height
surface = 2 * pi * radius * (radius + height)
filled = pi * radius ** 2 * fill_depth

print(f"Volume:        {volume:8.2f} m3 ({volume * 1000:,.0f} litres)")
print(f"Surface area:  {surface:8.2f} m2")
print(f"Filled:        {filled:8.2f} m3 ({filled / volume:.1%})")
print(f"Diagonal:      {hypot(2 * radius, height):8.3f} m")
print(f"Roof angle for a 0.5 m peak: {degrees(atan2(0.5, radius)):.2f} degrees")
print(f"Smallest whole radius for 100 m3 at this height: {ceil(sqrt(100 / (pi * height)))} m")
print(f"log10(volume)={log10(volume):.4f}, e^1={e:.6f}, tau/2 == pi: {isclose(tau / 2, pi)}")
