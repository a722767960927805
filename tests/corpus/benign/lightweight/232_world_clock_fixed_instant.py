# Question: For the product launch at 2024-09-10 17:00 UTC, what are the local times in our key markets?
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

launch = datetime(2024, 9, 10, 17, 0, tzinfo=timezone.utc)
markets = ["America/Los_Angeles", "America/Chicago", "America/Sao_Paulo", "Europe/Paris", "Africa/Johannesburg",
           "Asia/Dubai", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Pacific/Auckland"]

rows = []
for name in markets:
    local = launch.astimezone(ZoneInfo(name))
    offset_h = local.utcoffset().total_seconds() / 3600
    rows.append((offset_h, name, local))
for offset_h, name, local in sorted(rows):
    print(f"{name:<22} UTC{offset_h:+05.1f}  {local:%a %H:%M}")
