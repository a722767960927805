# Question: Read report settings from an INI-style block and compute the derived schedule.
import configparser

ini = """
[DEFAULT]
timezone = UTC
retries = 3

[daily_sales]
hour = 6
recipients = sales@example.com, ceo@example.com
include_charts = yes

[weekly_inventory]
hour = 7
weekday = Monday
recipients = ops@example.com
retries = 5
"""

config = configparser.ConfigParser()
config.read_string(ini)
for section in config.sections():
    s = config[section]
    recipients = [r.strip() for r in s["recipients"].split(",")]
    print(f"[{section}] at {s.getint('hour'):02d}:00 {s['timezone']}"
          f"{' on ' + s['weekday'] if 'weekday' in s else ' every day'}; "
          f"retries={s.getint('retries')}; charts={s.getboolean('include_charts', fallback=False)}; "
          f"{len(recipients)} recipient(s)")
