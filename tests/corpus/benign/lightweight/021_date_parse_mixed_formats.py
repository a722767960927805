# Question: Normalize order dates that arrive in several different text formats.
from datetime import datetime

raw_dates = ["2024-03-15", "15/03/2024", "March 16, 2024", "2024.03.17", "18-Mar-2024", "20240319", "not a date"]
formats = ["%Y-%m-%d", "%d/%m/%Y", "%B %d, %Y", "%Y.%m.%d", "%d-%b-%Y", "%Y%m%d"]


def parse_date(text):
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date(), fmt
        except ValueError:
            continue
    return None, None


parsed = []
for raw in raw_dates:
    value, fmt = parse_date(raw)
    if value is None:
        print(f"{raw!r:<18} -> could not parse")
    else:
        parsed.append(value)
        print(f"{raw!r:<18} -> {value.isoformat()}  (format {fmt})")

print(f"Parsed {len(parsed)}/{len(raw_dates)}; span {min(parsed)} .. {max(parsed)}")
