# Question: What are the local arrival times and flight durations for these itineraries?
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

flights = [
    ("BA117", "Europe/London", "2024-03-30 11:20", "America/New_York", 8 * 60 + 5),
    ("AF276", "Europe/Paris", "2024-10-26 23:55", "Asia/Tokyo", 13 * 60 + 40),
    ("QF1", "Australia/Sydney", "2024-04-06 16:05", "Asia/Singapore", 8 * 60 + 20),
]

for code, origin_tz, departs, dest_tz, minutes in flights:
    dep = datetime.strptime(departs, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(origin_tz))
    arr = (dep + timedelta(minutes=minutes)).astimezone(ZoneInfo(dest_tz))
    print(f"{code}: departs {dep:%a %d %b %H:%M %Z} arrives {arr:%a %d %b %H:%M %Z} "
          f"(clock shift {(arr.utcoffset() - dep.utcoffset()).total_seconds() / 3600:+.0f}h, flying {minutes // 60}h{minutes % 60:02d})")
