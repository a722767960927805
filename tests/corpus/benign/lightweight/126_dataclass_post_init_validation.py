# Question: Validate survey responses on creation and report which ones are rejected.
from dataclasses import dataclass, field
from datetime import date


@dataclass
class SurveyResponse:
    respondent: str
    submitted: str
    satisfaction: int
    comments: str = ""
    submitted_date: date = field(init=False)

    def __post_init__(self):
        if not 1 <= self.satisfaction <= 5:
            raise ValueError(f"satisfaction {self.satisfaction} out of range 1-5")
        self.submitted_date = date.fromisoformat(self.submitted)
        self.comments = self.comments.strip()


raw = [
    ("r1", "2024-04-01", 5, " Great support! "),
    ("r2", "2024-04-02", 0, "n/a"),
    ("r3", "2024-04-31", 4, ""),
    ("r4", "2024-04-03", 3, "Okay overall"),
    ("r5", "2024-04-05", 2, "Slow shipping  "),
]

accepted = []
for args in raw:
    try:
        accepted.append(SurveyResponse(*args))
    except ValueError as exc:
        print(f"rejected {args[0]}: {exc}")

for r in accepted:
    print(f"{r.respondent} {r.submitted_date:%a %d %b} score={r.satisfaction} comments={r.comments!r}")
print(f"Average satisfaction: {sum(r.satisfaction for r in accepted) / len(accepted):.2f}")
