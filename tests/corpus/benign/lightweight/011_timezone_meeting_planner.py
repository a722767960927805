# Question: What time is a 15:00 London meeting for colleagues in New York, Paris, Tokyo and Sydney?
from datetime import datetime
from zoneinfo import ZoneInfo

meeting = datetime(2024, 6, 12, 15, 0, tzinfo=ZoneInfo("Europe/London"))
offices = ["America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney"]

print(f"Meeting: {meeting:%Y-%m-%d %H:%M %Z} (London)")
for tz_name in offices:
    local = meeting.astimezone(ZoneInfo(tz_name))
    day_note = "" if local.date() == meeting.date() else " (next day)"
    within_hours = 9 <= local.hour < 18
    print(f"  {tz_name:<20} {local:%H:%M %Z}{day_note}  {'OK' if within_hours else 'outside office hours'}")
