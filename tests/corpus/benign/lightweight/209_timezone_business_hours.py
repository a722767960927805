# Question: Are our regional support desks open at 14:00 UTC on these dates?
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

desks = {"Sao Paulo": "America/Sao_Paulo", "London": "Europe/London", "Mumbai": "Asia/Kolkata", "Singapore": "Asia/Singapore"}
open_hour, close_hour = 9, 17

for stamp in ("2024-01-15T14:00:00", "2024-07-15T14:00:00", "2024-07-13T14:00:00"):
    instant = datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc)
    print(f"At {instant:%Y-%m-%d %H:%M} UTC ({instant:%A}):")
    for desk, tz in desks.items():
        local = instant.astimezone(ZoneInfo(tz))
        is_open = local.weekday() < 5 and open_hour <= local.hour < close_hour
        print(f"  {desk:<10} {local:%H:%M} {local.tzname():<5} {'OPEN' if is_open else 'closed'}")
