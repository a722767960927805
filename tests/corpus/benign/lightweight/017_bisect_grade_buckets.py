# Question: Which shipping-weight band does each parcel fall into, and what does it cost?
import bisect

breakpoints = [0.5, 1, 2, 5, 10, 20]
bands = ["XS", "S", "M", "L", "XL", "XXL", "Freight"]
prices = [3.50, 4.90, 6.75, 9.80, 14.25, 22.00, 45.00]

parcels = {"P-01": 0.3, "P-02": 1.0, "P-03": 1.7, "P-04": 4.99, "P-05": 12.4, "P-06": 25.0, "P-07": 0.5}

total = 0.0
for parcel, weight in parcels.items():
    idx = bisect.bisect_left(breakpoints, weight)
    total += prices[idx]
    print(f"{parcel}: {weight:>5.2f} kg -> band {bands[idx]:<7} ${prices[idx]:.2f}")
print(f"Total shipping: ${total:.2f}")
