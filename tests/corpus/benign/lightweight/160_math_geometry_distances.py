# Question: How far is each branch office from headquarters (great-circle distance)?
import math

HQ = ("London", 51.5074, -0.1278)
branches = [("Paris", 48.8566, 2.3522), ("New York", 40.7128, -74.0060), ("Tokyo", 35.6762, 139.6503),
            ("Sydney", -33.8688, 151.2093), ("Nairobi", -1.2921, 36.8219)]


def haversine(lat1, lon1, lat2, lon2, radius_km=6371.0):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius_km * math.asin(math.sqrt(a))


def bearing(lat1, lon1, lat2, lon2):
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


for name, lat, lon in sorted(branches, key=lambda b: haversine(HQ[1], HQ[2], b[1], b[2])):
    km = haversine(HQ[1], HQ[2], lat, lon)
    print(f"{name:<9} {km:>8,.0f} km  ({km * 0.621371:>7,.0f} mi)  initial bearing {bearing(HQ[1], HQ[2], lat, lon):5.1f} deg")
