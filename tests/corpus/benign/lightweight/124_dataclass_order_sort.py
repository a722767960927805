# Question: Rank job applicants by score, then experience, ignoring names when comparing.
from dataclasses import dataclass, field


@dataclass(order=True)
class Applicant:
    sort_key: tuple = field(init=False, repr=False)
    name: str = field(compare=False)
    score: float = field(compare=False)
    years: int = field(compare=False)

    def __post_init__(self):
        self.sort_key = (-self.score, -self.years)


applicants = [
    Applicant("Rosa", 88.5, 4),
    Applicant("Tariq", 91.0, 2),
    Applicant("Uma", 88.5, 7),
    Applicant("Viktor", 79.0, 10),
    Applicant("Wen", 91.0, 5),
]
for rank, a in enumerate(sorted(applicants), 1):
    print(f"{rank}. {a.name:<7} score {a.score:5.1f}  experience {a.years:>2}y")
print("Uma ranks above Rosa:", Applicant("Uma", 88.5, 7) < Applicant("Rosa", 88.5, 4))
