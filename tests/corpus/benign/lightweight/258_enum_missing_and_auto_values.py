# Question: Normalise free-text priority labels from tickets with an enum that tolerates unknown values.
from collections import Counter
from enum import Enum, auto


class Priority(Enum):
    def _generate_next_value_(name, start, count, last_values):
        return name.lower()

    LOW = auto()
    MEDIUM = auto()
    HIGH = auto()
    UNKNOWN = auto()

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            cleaned = value.strip().lower()
            for member in cls:
                if member.value == cleaned:
                    return member
        return cls.UNKNOWN


labels = ["High", " low", "MEDIUM", "urgent", "high", "n/a", "Low "]
counts = Counter(Priority(label) for label in labels)
for priority in Priority:
    print(f"{priority.name:<8} {priority.value:<8} {counts.get(priority, 0)}")
