# Question: Export a report containing dates, decimals and sets as JSON.
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum


class Channel(Enum):
    WEB = "web"
    STORE = "store"


def to_jsonable(obj):
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, set):
        return sorted(obj)
    if isinstance(obj, Enum):
        return obj.value
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


report = {
    "generated_for": date(2024, 7, 1),
    "period_end": datetime(2024, 6, 30, 23, 59, 59),
    "revenue": Decimal("1048576.25"),
    "channels": {Channel.WEB.value, Channel.STORE.value},
    "top_channel": Channel.WEB,
    "regions": {"North": Decimal("400000.00"), "South": Decimal("648576.25")},
}
print(json.dumps(report, default=to_jsonable, indent=2))

try:
    json.dumps({"bad": object()}, default=to_jsonable)
except TypeError as exc:
    print("Error:", exc)
